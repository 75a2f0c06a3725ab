import { describe, expect, it } from 'vitest';
import { describeLedger, type LedgerFigures } from '../../bench/lib/report.js';

const figures: LedgerFigures = {
  ingest: { seconds: 6.5, entriesPerSecond: 153_846, commits: 211, upstreamCalls: 335, peakRssMb: 190.2 },
  queries: { partnerUsersFirst100ByCallsMs: { median: 9.3 }, partnerUserEntities1000Ms: { median: 36.4 }, ledgerReadsPerBatch: 1 },
};

describe('describeLedger (scenario d)', () => {
  it('renders the figures of an older ledger.json without runtime or breakdown', () => {
    const line = describeLedger(figures);
    expect(line).toContain('153,846 entries/s (6.5 s, 211 durable commits, 335 vendor reads)');
    expect(line).toContain('peak RSS 190.2 MB;');
    expect(line).toContain('`_entities` with 1,000 PartnerUser representations 36.4 ms median in 1 ledger read');
    expect(line).not.toContain('V8 heap');
  });

  it('says where the peak went and what ran when the JSON has it', () => {
    const line = describeLedger({
      ...figures,
      runtime: 'production build',
      rssAfterImportsMb: 101.8,
      ingest: { ...figures.ingest, entriesPerGatewayCpuSecond: 160_000, peakBreakdownMb: { heapTotal: 81, heapUsed: 45, external: 27.5, arrayBuffers: 23.9 } },
    });
    expect(line).toContain('335 vendor reads, 160,000 per gateway CPU second)');
    expect(line).toContain('peak RSS 190.2 MB as the production build (V8 heap 45 MB used of 81 MB, 27.5 MB outside it of which 23.9 MB ArrayBuffers, the rest native; 101.8 MB before ingesting)');
  });
});
