import { describe, expect, it } from 'vitest';
import { Teardown } from '../../src/common/teardown.js';

describe('Teardown', () => {
  it('closes every resource once, newest first, however often it is closed', async () => {
    const teardown = new Teardown();
    const closed: string[] = [];
    teardown.add(() => closed.push('simulators'));
    teardown.add(async () => {
      await Promise.resolve();
      closed.push('upstream');
    });
    teardown.add(() => closed.push('ledger'));
    await Promise.all([teardown.close(), teardown.close()]);
    await teardown.close();
    expect(closed).toEqual(['ledger', 'upstream', 'simulators']);
  });

  it('tries every resource when one fails to close, then throws the first failure', async () => {
    const teardown = new Teardown();
    const closed: string[] = [];
    teardown.add(() => closed.push('first'));
    teardown.add(() => {
      throw new Error('second would not close');
    });
    teardown.add(() => {
      throw new Error('third would not close');
    });
    await expect(teardown.close()).rejects.toThrow('third would not close');
    expect(closed).toEqual(['first']);
  });

  it('refuses a resource opened once closing has begun, which would never be closed', async () => {
    const teardown = new Teardown();
    await teardown.close();
    expect(() => teardown.add(() => undefined)).toThrow(/teardown already started/);
  });
});
