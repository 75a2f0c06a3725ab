import { beforeEach, describe, expect, it } from 'vitest';
import { ArraysClient } from '../../src/providers/arrays/client.js';
import { UpstreamBadRequestError, UpstreamNotFoundError } from '../../src/upstream/errors.js';
import { expectNoSecret, upstreamFailure } from '../support/upstream-failure.js';
import { useVendorTestBed } from '../support/vendor-test-bed.js';

/** The advice lists of Arrays' `model.APIError` (`examples`, `suggestions`), read beside `hint`. */

const ORIGIN = 'https://arrays.test';
const PATH = '/api/v1/partner/usage';
const TOKEN = 'arr_svc_7Qk2pZx9Lm4Rt8Vw';
const JSON_HEADERS = { 'content-type': 'application/json' };

const bed = useVendorTestBed(ORIGIN);
let client: ArraysClient;

beforeEach(() => {
  client = new ArraysClient({ baseUrl: `${ORIGIN}/api`, credential: TOKEN, http: bed.http });
});

function replyError(status: number, error: Record<string, unknown>) {
  bed.vendor
    .intercept({ path: PATH, method: 'GET', query: { from_id: '0', count: '1000' }, headers: { 'x-service-token': TOKEN } })
    .reply(status, { success: false, error, request_id: 'req_err_1' }, { headers: JSON_HEADERS });
}

describe('ArraysClient error advice', () => {
  it('keeps examples and suggestions beside hint and docs link, in the vendor order', async () => {
    replyError(400, {
      code: 'INVALID_PARAMETER',
      message: 'count out of range',
      hint: 'Use a count between 1 and 5000.',
      docs_url: 'https://docs.arrays.org/partner-usage',
      examples: ['count=1000', 'count=5000'],
      suggestions: ['Lower count', 'Page with from_id'],
    });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamBadRequestError);
    expect(error).toMatchObject({
      hint: 'Use a count between 1 and 5000.',
      docsUrl: 'https://docs.arrays.org/partner-usage',
      examples: ['count=1000', 'count=5000'],
      suggestions: ['Lower count', 'Page with from_id'],
    });
  });

  it('reads their absence as empty lists', async () => {
    replyError(404, { code: 'RESOURCE_NOT_FOUND', message: 'The requested resource was not found.' });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error).toBeInstanceOf(UpstreamNotFoundError);
    expect(error.examples).toEqual([]);
    expect(error.suggestions).toEqual([]);
  });

  it('redacts the token the vendor echoes in them, as in hint', async () => {
    replyError(401, {
      code: 'UNAUTHORIZED',
      message: 'Invalid service token.',
      hint: `check X-Service-Token: ${TOKEN}`,
      examples: [`curl -H 'X-Service-Token: ${TOKEN}' ${ORIGIN}${PATH}`],
      suggestions: [`Rotate ${TOKEN}`, 'Ask your partner manager'],
    });

    const error = await upstreamFailure(client.fetchPartnerPage('0', 1000));

    expect(error.hint).toBe('check X-Service-Token: [REDACTED]');
    expect(error.examples).toEqual([`curl -H 'X-Service-Token: [REDACTED]' ${ORIGIN}${PATH}`]);
    expect(error.suggestions).toEqual(['Rotate [REDACTED]', 'Ask your partner manager']);
    expectNoSecret(error, TOKEN);
  });
});
