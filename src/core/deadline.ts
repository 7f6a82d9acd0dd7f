/**
 * Waits for `work` at most `ms`. The work itself goes on (it may finish, fail and be retried by whoever
 * owns it); only the wait is bounded, so an interactive answer never hangs on a slow backend.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
