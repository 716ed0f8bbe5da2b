// Entry point of the report thread (see report-client.ts): one read-only reader, requests in order.

import { parentPort, workerData } from 'node:worker_threads';
import { ReaderHost, type ReportRequest } from './report-client.js';

const port = parentPort;
if (port === null) throw new Error('report-worker.js runs as a worker thread only');

const host = new ReaderHost((workerData as { dataDirs: string[] }).dataDirs);
port.on('message', (req: ReportRequest) => port.postMessage(host.run(req)));
port.on('close', () => host.close());
