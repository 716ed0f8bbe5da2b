// The OTel resource, built by hand: service name, version and a per-process instance id, plus what
// the operator sets in OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES. The SDK's process and host
// detectors are deliberately not used: the process detector exports the command line (which may
// carry --admin-token) and the host detector the machine's name.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resources } from '@opentelemetry/sdk-node';

export function buildResource(serviceVersion: string): resources.Resource {
  return (
    resources
      .defaultResource()
      .merge(
        resources.resourceFromAttributes({
          'service.name': 'zdr-egress',
          'service.version': serviceVersion,
          'service.instance.id': randomUUID(),
        }),
      )
      // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: what the operator chooses to add.
      .merge(resources.detectResources({ detectors: [resources.envDetector] }))
  );
}

/** src/telemetry/ and dist/telemetry/ both sit two levels below package.json. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
