// Child process of crash.test.ts: opens the compiled decision log and appends records in bursts,
// printing after each burst how many it appended and how many the log reports as written (committed).
// The parent kills it with SIGKILL in the middle of this.

const [moduleUrl, dataDir, writer] = process.argv.slice(2);
const { openDecisionLog } = await import(moduleUrl);
const log = openDecisionLog({ dataDir, batchMs: 5, batchRows: 500, writer });

let appended = 0;
const base = {
  ts: Date.now(),
  clientIp: '10.0.0.7',
  user: 'crash-test',
  host: 'chatgpt.com',
  port: 443,
  method: 'POST',
  path: '/backend-api/conversation',
  provider: 'openai',
  surface: 'consumer',
  credentialKind: null,
  credentialFp: null,
  action: 'block',
  reason: 'consumer_surface',
  ruleId: 'consumer.chatgpt',
  status: 403,
  bytesUp: 100,
  bytesDown: 200,
  durationMs: 3,
  policyVersion: 'crashcrash01',
};

function burst() {
  for (let i = 0; i < 1000; i++) {
    log.append({ ...base, id: `c-${String(appended).padStart(9, '0')}`, ts: base.ts + appended });
    appended++;
  }
  const h = log.health();
  process.stdout.write(`${JSON.stringify({ appended, written: h.written, dropped: h.dropped })}\n`);
  setTimeout(burst, 1);
}
burst();
