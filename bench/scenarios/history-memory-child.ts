import { FileHistoryStore } from '../../src/monitoring/file-history-store.js';

/**
 * Run with `node --expose-gc --import tsx` and a DATA_DIR holding history: opens the store (which
 * loads every series into memory, as a gateway does at start), and prints the RSS and heap before
 * and after, each after a full collection, as one JSON line.
 */
const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: history-memory-child.ts <DATA_DIR>');
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with --expose-gc');
collect();
const before = process.memoryUsage();
const store = await FileHistoryStore.open({ dataDir });
const series = await store.series();
collect();
const after = process.memoryUsage();
const samples = (await Promise.all(series.map((key) => store.read(key)))).reduce((sum, rows) => sum + rows.length, 0);
process.stdout.write(`${JSON.stringify({ series: series.length, samples, rssBefore: before.rss, rssAfter: after.rss, heapBefore: before.heapUsed + before.arrayBuffers, heapAfter: after.heapUsed + after.arrayBuffers })}\n`);
await store.close();
