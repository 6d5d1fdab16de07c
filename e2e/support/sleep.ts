/** A plain timer as a promise: the waiters' and load tools' pause between attempts. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
