import { writeFileSync } from 'node:fs';
import type { Host } from '../host.js';
import { appendCallRecord } from './call-log.js';
import { LOG_VAR, PROBE_VAR } from './env-vars.js';
import { planLaunch, type LaunchRequest } from './plan-launch.js';
import { canExecve, execveFirstStartable, exitLikeChild, spawnFirstStartable } from './replace-process.js';

// Launcher mode: `hip-clang-launcher <compiler> <args...>`, and the shim's
// way to its real compiler. Plans the call, then replaces this process with
// it (POSIX) or runs it and leaves with its status. A compiler that went
// away between the plan and the exec (a shim install or uninstall moving it)
// is looked up once more with `lookAgain` and run directly.
export async function runLauncher(request: LaunchRequest, host: Host, lookAgain = (): LaunchRequest => ({ ...request, resolvedCompiler: undefined })): Promise<never> {
  const probeFile = host.env[PROBE_VAR];
  if (probeFile) recordProbe(probeFile, request);

  let plan = planLaunch(request, host);
  const logFile = host.env[LOG_VAR];
  const planAgain = () => planLaunch({ ...lookAgain(), uncached: true }, host);
  if (!host.isExecutableFile(plan.steps[plan.steps.length - 1]!.file)) plan = planAgain();

  // With a log, wait for the compiler so the line can hold its exit code and duration.
  if (canExecve() && !logFile) execveFirstStartable(plan.steps, plan.env, host.isExecutableFile);

  const started = performance.now();
  const outcome = await spawnFirstStartable(plan.steps, plan.env).catch(() => {
    plan = planAgain();
    return spawnFirstStartable(plan.steps, plan.env);
  });
  if (logFile) {
    appendCallRecord(logFile, {
      time: new Date().toISOString(),
      pid: process.pid,
      compiler: plan.compiler,
      cache: outcome.step === plan.steps[0] && plan.route === 'cache' ? (plan.cache?.file ?? null) : null,
      route: outcome.step === plan.steps[0] ? plan.route : 'cache-unavailable',
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
  }
  exitLikeChild(outcome);
}

// `check-hipcc` sets PROBE_VAR to learn whether hipcc called the launcher, and how.
function recordProbe(file: string, request: LaunchRequest): void {
  try {
    writeFileSync(file, `${JSON.stringify({ compiler: request.compiler, args: request.args })}\n`, { flag: 'a' });
  } catch {
    // The probe's absence is the answer check-hipcc reads; nothing to add here.
  }
}
