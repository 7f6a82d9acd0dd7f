/**
 * Test-only preload (`node --import ./clock-shift.mjs`): shifts this process's wall clock by
 * SITREP_TEST_CLOCK_OFFSET_MS, so a fleet test can start every process a few seconds before a chosen
 * minute boundary instead of waiting for a real one. Every process of one test gets the same offset, so
 * BullMQ (which stamps delays and due times with the client's Date.now()), the ledger's leases and the
 * schedules agree with each other; durations (timers, performance.now) are untouched. Nothing in src/
 * reads it: the product runs on the real clock, only the harness moves it.
 */
const offset = Number(process.env.SITREP_TEST_CLOCK_OFFSET_MS ?? 0);
if (Number.isFinite(offset) && offset !== 0) {
  const RealDate = globalThis.Date;
  const realNow = RealDate.now.bind(RealDate);
  function ShiftedDate(...args) {
    if (!new.target) return new RealDate(realNow() + offset).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [realNow() + offset] : args, new.target === ShiftedDate ? RealDate : new.target);
  }
  ShiftedDate.prototype = RealDate.prototype;
  Object.setPrototypeOf(ShiftedDate, RealDate);
  ShiftedDate.now = () => realNow() + offset;
  ShiftedDate.parse = RealDate.parse;
  ShiftedDate.UTC = RealDate.UTC;
  globalThis.Date = ShiftedDate;
}
