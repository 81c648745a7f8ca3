import { writeFileSync } from 'node:fs';
import { writeStderr } from '../errors.js';
import type { Host } from '../host.js';
import { appendCallRecord, boundedArgs } from './call-log.js';
import { nameBesideGoneLink } from './cache-name-link.js';
import { LOG_VAR, PROBE_VAR } from './env-vars.js';
import { sinceStartMs } from './phases.js';
import { planLaunch, type LaunchRequest } from './plan-launch.js';
import { canExecve, execveFirstStartable, exitLikeChild, spawnFirstStartable, type ChildOutcome } from './replace-process.js';
import { hostUnderPrefix, planAfterSplit, planSplitOnMiss, planUnderPrefix, runParts, type PartsOutcome } from './run-parts.js';

// Launcher mode: `hip-clang-launcher <compiler> <args...>`, and the shim's
// way to its real compiler. Plans the call, then replaces this process with
// it (POSIX) or runs it and leaves with its status. A compiler that went
// away between the plan and the exec (a shim install or uninstall moving it)
// is looked up once more with `lookAgain` and run directly.
export async function runLauncher(request: LaunchRequest, callerHost: Host, lookAgain = (): LaunchRequest => ({ ...request, resolvedCompiler: undefined })): Promise<never> {
  // Only the launcher personality answers the probe: a shim (it knows its real
  // compiler already) below a hipcc that ignores the variable is that hipcc
  // running its clang, not hipcc calling the launcher.
  // ccache running this launcher as its prefix_command for a split call (run-parts.ts).
  const prefixHost = hostUnderPrefix(callerHost);
  const host = prefixHost ?? callerHost;
  const probeFile = host.env[PROBE_VAR];
  // Nor ccache running it as the split's prefix_command: that is not hipcc calling it.
  if (probeFile && request.resolvedCompiler === undefined && !prefixHost) recordProbe(probeFile, request);

  // Under the prefix the compiler is the shim's per-user link (cache-name-link.ts): one whose real
  // compiler an uninstall removed since ccache got it is looked up again in its bin dir, now and
  // whenever the compiler goes missing later in the call.
  const beside = (r: LaunchRequest): LaunchRequest => {
    const moved = prefixHost && r.resolvedCompiler === undefined ? nameBesideGoneLink(r.compiler, host) : undefined;
    return moved ? { ...r, compiler: moved } : r;
  };
  request = beside(request);
  let plan = planLaunch(request, host);
  for (const warning of plan.rules?.warnings ?? []) writeStderr(`hip-clang-launcher: warning: ${warning}\n`);
  const logFile = host.env[LOG_VAR];
  const planAgain = () => planLaunch(beside({ ...lookAgain(), uncached: true }), host);
  if (!host.isExecutableFile(plan.steps[plan.steps.length - 1]!.file)) plan = planAgain();

  if (prefixHost) plan = planUnderPrefix(plan, host);
  // With a log, whether ccache's whole-call entry hit (part-result.ts).
  const onMiss = plan.route === 'cache' && plan.rules?.split && !prefixHost ? planSplitOnMiss(plan, host, Boolean(logFile)) : undefined;
  const whole = onMiss?.whole;
  if (onMiss) plan = onMiss.plan;
  // The clock counts from process start: up to here is the launcher's
  // own time (the log's launcherMs), from here the call's, its parts included.
  const started = sinceStartMs();
  // A call the split rule marked runs as parts; what cannot be split runs whole (run-parts.ts).
  let split: PartsOutcome | undefined;
  if (!onMiss && plan.route === 'cache' && plan.rules?.split) {
    split = await runParts(plan, request, host);
    plan = planAfterSplit(plan, split, host, Boolean(prefixHost));
  }

  // Sent a signal while a part ran (Ctrl-C in make): leave by it, running nothing more.
  const interrupted = split && !split.ok ? split.interrupted : undefined;
  // With a log, wait for the compiler so the line can hold its exit code and duration.
  if (canExecve() && !logFile && !split?.ok && !interrupted) execveFirstStartable(plan.steps, plan.env, host.isExecutableFile);

  const outcome: ChildOutcome = split?.ok || interrupted
    ? { exitCode: interrupted ? null : 0, signal: interrupted ?? null, step: plan.steps[0]! }
    : await spawnFirstStartable(plan.steps, plan.env).catch(() => {
        plan = planAgain();
        return spawnFirstStartable(plan.steps, plan.env);
      });
  if (logFile) {
    const cacheResult = outcome.step === plan.steps[0] ? whole?.finish() : undefined;
    appendCallRecord(logFile, {
      time: new Date().toISOString(),
      pid: process.pid,
      compiler: plan.compiler,
      cache: outcome.step === plan.steps[0] && (plan.route === 'cache' || plan.route === 'split') ? (plan.cache?.file ?? null) : null,
      route: outcome.step === plan.steps[0] ? plan.route : outcome.cacheFailed ? 'cache-failed' : 'cache-unavailable',
      reason: outcome.step === plan.steps[0] ? plan.reason : outcome.cacheFailed ? outcome.fallback! : `${plan.cache?.file ?? 'the cache'} could not be started; compiled directly`,
      language: plan.call.offload ? 'hip' : (plan.call.inputs[0]?.language ?? null),
      rules: (plan.rules?.decisions ?? []).map((d) => ({ rule: d.rule, reason: d.reason })),
      cuid: outcome.step === plan.steps[0] ? (plan.rules?.cuid ?? null) : null,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      durationMs: Math.round((sinceStartMs() - started) * 1000) / 1000,
      fallback: outcome.fallback,
      launcherMs: Math.round(started * 1000) / 1000,
      cwd: host.cwd,
      output: plan.call.output ?? null,
      ...boundedArgs(plan.call.args),
      ...(split ? { parts: split.parts } : {}),
      ...(cacheResult ? { cacheResult } : {}),
      // ccache running the launcher as its prefix: the call has its own record (stats counts it once).
      ...(prefixHost ? { ccachePrefix: true } : {}),
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
