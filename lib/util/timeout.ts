/**
 * `work`, or what `onTimeout` returns (or throws) if `work` has not settled within `ms`. The
 * timer is cleared as soon as either happens, so nothing is left pending. `work` itself is not
 * cancelled: a caller that gives up on it cancels it where it can (a reader, a request).
 */
export async function withTimeout<T, U = never>(work: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
