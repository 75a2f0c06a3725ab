import type { Clock } from '../../src/common/clock.js';

/** A clock whose sleeps advance time at once and are recorded, so policies are tested without waiting. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(
    public time = 1_700_000_000_000,
    private readonly randomValue = 0.5,
  ) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
  random(): number {
    return this.randomValue;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
