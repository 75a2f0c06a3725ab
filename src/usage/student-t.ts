/**
 * Quantiles of Student's t distribution, for the confidence band of a mean estimated from few
 * values: with n values the band uses n - 1 degrees of freedom, wider than the normal's when n is
 * small, which is what keeps a band from four samples honest. Computed from the t distribution's
 * tail (a regularized incomplete beta function) and bisection, so any level and any degrees of
 * freedom work without a table or a dependency; accurate to about 1e-10.
 */

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x ≥ 0.5 (Lanczos); the t tail only needs arguments of at least one half. */
function logGamma(x: number): number {
  const shifted = x - 1;
  let series = LANCZOS_COEFFICIENTS[0]!;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) series += LANCZOS_COEFFICIENTS[i]! / (shifted + i);
  const t = shifted + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

const TINY = 1e-300;

/** Continued fraction of the incomplete beta function (modified Lentz), converging for x < (a+1)/(a+b+2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    for (const numerator of [(m * (b - m) * x) / ((a - 1 + m2) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2))]) {
      d = 1 + numerator * d;
      if (Math.abs(d) < TINY) d = TINY;
      c = 1 + numerator / c;
      if (Math.abs(c) < TINY) c = TINY;
      d = 1 / d;
      result *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return result;
}

/** Regularized incomplete beta function I_x(a, b). */
function regularizedBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast only on one side of the mean; the symmetry
  // I_x(a, b) = 1 - I_{1-x}(b, a) covers the other.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > t) for t ≥ 0 with `degreesOfFreedom` degrees of freedom. */
export function studentTUpperTail(t: number, degreesOfFreedom: number): number {
  const nu = degreesOfFreedom;
  return 0.5 * regularizedBeta(nu / 2, 0.5, nu / (nu + t * t));
}

/** Raised when a t quantile is asked for a probability outside (0, 1) or degrees of freedom ≤ 0. */
export class StudentTArgumentError extends RangeError {
  override readonly name = 'StudentTArgumentError';
  readonly code = 'STUDENT_T_BAD_ARGUMENT';
}

/**
 * The value t with P(T ≤ t) = `probability` for Student's t with `degreesOfFreedom` (> 0, not
 * necessarily whole). `studentTQuantile(0.95, n - 1)` is the multiplier of a two-sided 90 % band.
 */
export function studentTQuantile(probability: number, degreesOfFreedom: number): number {
  if (!(probability > 0 && probability < 1)) throw new StudentTArgumentError(`probability must be in (0, 1), got ${probability}`);
  if (!(degreesOfFreedom > 0) || !Number.isFinite(degreesOfFreedom)) {
    throw new StudentTArgumentError(`degrees of freedom must be a positive finite number, got ${degreesOfFreedom}`);
  }
  if (probability === 0.5) return 0;
  if (probability < 0.5) return -studentTQuantile(1 - probability, degreesOfFreedom);
  const tail = 1 - probability;
  let low = 0;
  let high = 1;
  // One degree of freedom has tails so heavy that 99.9999 % needs t ≈ 3e5: widen until bracketed.
  while (studentTUpperTail(high, degreesOfFreedom) > tail) {
    low = high;
    high *= 2;
  }
  for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
    const middle = (low + high) / 2;
    if (studentTUpperTail(middle, degreesOfFreedom) > tail) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}
