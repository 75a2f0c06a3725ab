import { describe, expect, it } from 'vitest';
import { StudentTArgumentError, studentTQuantile, studentTUpperTail } from '../../src/usage/student-t.js';

describe('studentTQuantile', () => {
  // Values from published t tables (six significant digits).
  it.each([
    [0.95, 1, 6.31375],
    [0.95, 2, 2.91999],
    [0.95, 3, 2.35336],
    [0.95, 10, 1.81246],
    [0.95, 22, 1.71714],
    [0.95, 30, 1.69726],
    [0.975, 5, 2.57058],
    [0.995, 1, 63.6567],
    [0.995, 20, 2.84534],
    [0.9, 1000, 1.28240],
  ])('P(T ≤ t) = %s with %s degrees of freedom at t = %s', (probability, degreesOfFreedom, expected) => {
    expect(studentTQuantile(probability, degreesOfFreedom)).toBeCloseTo(expected, 4);
  });

  it('approaches the normal quantile as the degrees of freedom grow', () => {
    expect(studentTQuantile(0.95, 1e6)).toBeCloseTo(1.644854, 4);
  });

  it('is symmetric about zero', () => {
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0.05, 7)).toBeCloseTo(-studentTQuantile(0.95, 7), 10);
  });

  it('inverts the upper tail', () => {
    const t = studentTQuantile(0.99, 4);
    expect(studentTUpperTail(t, 4)).toBeCloseTo(0.01, 10);
  });

  it('refuses a probability outside (0, 1) or degrees of freedom that are not positive', () => {
    for (const [probability, degreesOfFreedom] of [[0, 3], [1, 3], [Number.NaN, 3], [0.9, 0], [0.9, -1], [0.9, Number.POSITIVE_INFINITY]] as const) {
      expect(() => studentTQuantile(probability, degreesOfFreedom)).toThrow(StudentTArgumentError);
    }
    expect(() => studentTQuantile(0.9, 0)).toThrow(expect.objectContaining({ code: 'STUDENT_T_BAD_ARGUMENT' }));
  });
});
