// `zdr-egress user add|list|remove`: proxy users for Proxy-Authorization: Basic. The password is
// read from stdin (never from the command line, where `ps` and shell history would keep it) and
// only its scrypt hash is written.

import type { Command } from 'commander';
import { hashPassword, readUsersFile, writeUsersFile } from '../proxy/users-file.js';

const defaultFile = (): string => process.env.ZDR_EGRESS_USERS_FILE ?? './users.yaml';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

export function registerUserCommands(program: Command): void {
  const user = program
    .command('user')
    .description('manage proxy users (Basic authentication, scrypt hashes)');
  user
    .command('add <name>')
    .description('add or replace a user; the password is read from stdin')
    .option('--users <file>', 'users file (default ZDR_EGRESS_USERS_FILE or ./users.yaml)')
    .action(async (name: string, flags: { users?: string }) => {
      const file = flags.users ?? defaultFile();
      if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) {
        process.stderr.write('zdr-egress user add: names are 1-64 letters, digits, . _ @ -\n');
        process.exitCode = 1;
        return;
      }
      const password = await readStdin();
      if (password.length < 12) {
        process.stderr.write(
          'zdr-egress user add: the password (read from stdin) must be at least 12 characters\n',
        );
        process.exitCode = 1;
        return;
      }
      const data = readUsersFile(file);
      const users = data.users.filter((u) => u.name !== name);
      users.push({ name, scrypt: hashPassword(password) });
      writeUsersFile(file, { version: 1, users });
      process.stdout.write(
        `${data.users.length === users.length ? 'replaced' : 'added'} user ${name} in ${file}\n`,
      );
    });
  user
    .command('list')
    .option('--users <file>', 'users file')
    .action((flags: { users?: string }) => {
      for (const u of readUsersFile(flags.users ?? defaultFile()).users) process.stdout.write(`${u.name}\n`);
    });
  user
    .command('remove <name>')
    .option('--users <file>', 'users file')
    .action((name: string, flags: { users?: string }) => {
      const file = flags.users ?? defaultFile();
      const data = readUsersFile(file);
      const users = data.users.filter((u) => u.name !== name);
      if (users.length === data.users.length) {
        process.stderr.write(`zdr-egress user remove: no user ${name} in ${file}\n`);
        process.exitCode = 1;
        return;
      }
      writeUsersFile(file, { version: 1, users });
      process.stdout.write(`removed user ${name}\n`);
    });
}
