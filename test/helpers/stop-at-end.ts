import { afterAll } from 'vitest';

// Servers a test file starts (redis-server, nginx, a slow proxy) are stopped
// when that file ends, or earlier by the test (to make an outage). vitest
// runs an afterAll only if it was registered while the file was collected:
// one registered from inside a hook or a test (where servers are started)
// never runs, and the server outlived the run. So one hook, registered when
// a test file first imports this module, stops them all.
const running = new Set<() => void>();
afterAll(() => {
  for (const stop of running) stop();
});

// `kill` runs once: when the returned stop is called, or when the file ends.
export function stopAtEnd(kill: () => void): () => void {
  const stop = () => {
    if (!running.delete(stop)) return;
    kill();
  };
  running.add(stop);
  return stop;
}
