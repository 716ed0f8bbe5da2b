// The zdr-egress command line. `start` runs the proxy; the other commands are registered by the
// modules that own them (policy, credentials, CA, reports).

import { Command } from 'commander';
import { registerCaCommands } from './ca.js';
import { registerPolicyCommands } from './policy.js';
import { registerReportCommands } from './report.js';
import { registerStartCommand } from './start.js';
import { registerUserCommands } from './user.js';
import { registerDoctorCommand } from './doctor.js';

export function buildProgram(): Command {
  const program = new Command('zdr-egress')
    .description(
      'AI egress appliance: intercepts only AI hosts, enforces zero-data-retention policy, records decision metadata.',
    )
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError();
  registerStartCommand(program);
  registerPolicyCommands(program);
  registerCaCommands(program);
  registerReportCommands(program);
  registerUserCommands(program);
  registerDoctorCommand(program);
  return program;
}
