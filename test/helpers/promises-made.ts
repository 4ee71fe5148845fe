import { createHook } from 'node:async_hooks';

/** Promises made while `run` is called and its outcome awaited (an async hook counting PROMISE inits). */
export async function promisesMade(run: () => Promise<unknown>): Promise<number> {
  let made = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROMISE') made++;
    },
  }).enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  return made;
}
