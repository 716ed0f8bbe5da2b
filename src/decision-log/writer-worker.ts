// Entry point of the decision-log writer thread (see thread-writer.ts). Messages arriving together are
// written in one transaction: when the disk is slow, batches grow instead of queuing up commits.

import { parentPort, workerData } from 'node:worker_threads';
import { WriteEngine, type EngineState } from './engine.js';
import { SLOT, type FromWorker, type ToWorker, type WorkerData } from './thread-writer.js';

const port = parentPort;
if (port === null) throw new Error('writer-worker.js runs as a worker thread only');

const data = workerData as WorkerData;
const shared = new BigInt64Array(data.shared);
let lastErrorCode: string | null = null;

const send = (m: FromWorker): void => port.postMessage(m);

const engine = new WriteEngine(
  data.engine,
  (code, count) => send({ type: 'loss', code, count }),
  (s: EngineState) => {
    Atomics.store(shared, SLOT.written, BigInt(s.written));
    Atomics.store(shared, SLOT.lost, BigInt(s.lost));
    Atomics.store(shared, SLOT.pending, BigInt(s.pending));
    Atomics.store(shared, SLOT.writable, s.writable ? 1n : 0n);
    if (s.lastErrorCode !== lastErrorCode) {
      lastErrorCode = s.lastErrorCode;
      send({ type: 'status', lastErrorCode });
    }
  },
);
engine.start();

let scheduled = false;
const done = (seq: number): void => {
  Atomics.store(shared, SLOT.done, BigInt(seq));
  Atomics.notify(shared, SLOT.done);
};

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'rows':
      engine.submit(m.rows);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          engine.drain();
        });
      }
      return;
    case 'flush':
      engine.drain(true);
      return done(m.seq);
    case 'close':
      engine.close();
      done(m.seq);
      return port.close();
    default: {
      const never: never = m;
      return never;
    }
  }
});
