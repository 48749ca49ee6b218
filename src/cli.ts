import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './config.ts';
import { openDatabase as openDb, type Database, type OpenOptions } from './db/index.ts';
import {
  ClientNotFoundError,
  createClient,
  createPublishableClient,
  listClients,
  PublishableKeyError,
  revokeClient,
  rotateClient,
  updateClient,
} from './auth/clients.ts';
import { parseScopes, ScopesError, type Scope } from './auth/scopes.ts';
import { parseTimestamp } from './http/params.ts';
import { writeIndexes } from './db/generate-indexes.ts';
import { EXIT } from './exit-codes.ts';
import { ValidationError } from './errors.ts';
import { setPasswordByEmail, UserNotFoundError } from './services/users.ts';
import { describeFailure } from './startup.ts';
import { checkImportArgs, importUservoice, ImportUsageError } from './import/command.ts';
import { forgetSigningKeyFingerprint } from './auth/tokens.ts';
import { OriginListError, parseOrigins } from './auth/origins.ts';

const USAGE = `Usage: npm run --silent cli -- <command>

  clients create --name NAME [--scopes read,write,admin] [--expires DATE] [--publishable
                 [--origins https://a.example,https://b.example]] [--json]
                                        create an API client; prints its id and secret once. --scopes
                                        limits what its tokens may do (default: all three); --expires
                                        (ISO-8601 date or timestamp, UTC) ends it; --publishable makes a
                                        browser key (pk_…, no secret: creates feedback, reads public
                                        suggestions; CORS open to --origins, else to any origin)
  clients update ID [--scopes LIST] [--expires DATE|never] [--origins LIST|any] [--json]
                                        change a client's scopes, expiry or (publishable keys) allowed
                                        origins; its tokens follow at once
  clients list [--json]                 list API clients (secrets are never shown)
  clients revoke ID                     revoke a client; its tokens stop working
  clients rotate ID [--json]            issue a new secret; tokens issued before stop working
  users set-password EMAIL [--password PASSWORD]
                                        set a user's password for the OAuth password grant; without
                                        --password it is read from standard input (one line); the
                                        user's earlier password-grant tokens stop working
  import uservoice --url URL --client-id KEY --client-secret SECRET [--since DATE] [--only a,b]
                   [--dry-run] [--json]
                                        copy a UserVoice account (or another server like this one)
                                        through its Admin API v2: ids, timestamps and authorship kept;
                                        resumable (rerun to continue); see README "Importing from UserVoice"
  token-secret reset                    forget the recorded fingerprint of the token signing key, after
                                        changing TOKEN_SECRET on purpose (stop every server first); the
                                        next server to start records its own
  migrate                               apply pending database migrations
  migration:create [NAME]               (development) write a migration for entity changes; lists new
                                        entities and migrations in src/entities/index.ts and
                                        src/migrations/index.ts (and resources in src/resources/index.ts)
  generate                              (development) rewrite those lists from their folders

ID is the client_id (or the numeric id shown by "clients list"). Exit codes: 0 ok, 1 failure, 2 usage
(or a password that is too short), 3 database in use, 4 configuration, 5 unknown client or user; an import
that stops early (interrupted, or the source keeps failing) exits 1 and continues when run again.`;

class UsageError extends Error {}

function scopesOption(text: string | undefined): Scope[] | undefined {
  if (text === undefined) return undefined;
  try {
    return parseScopes(text);
  } catch (error) {
    if (error instanceof ScopesError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--expires`: an ISO-8601 date (midnight UTC) or timestamp in the future; `never` (update) clears it. */
function expiresOption(text: string | undefined, allowNever: boolean): Date | null | undefined {
  if (text === undefined) return undefined;
  if (allowNever && text.trim() === 'never') return null;
  const at = parseTimestamp(text);
  if (!at) throw new UsageError(`--expires must be an ISO-8601 date or timestamp${allowNever ? ' (or never)' : ''}`);
  if (at.getTime() <= Date.now()) throw new UsageError('--expires must be in the future');
  return at;
}

/** `--origins`: a comma list of browser origins (auth/origins.ts); `any` (update) lifts the restriction. */
function originsOption(text: string | undefined, allowAny: boolean): string[] | null | undefined {
  if (text === undefined) return undefined;
  if (allowAny && text.trim() === 'any') return null;
  try {
    return parseOrigins(text);
  } catch (error) {
    if (error instanceof OriginListError) throw new UsageError(`--origins: ${error.message}`);
    throw error;
  }
}

type ClientSummaryLike = Awaited<ReturnType<typeof listClients>>[number];
const clientLine = (c: ClientSummaryLike) =>
  `${c.id}\t${c.client_id}\t${c.revoked ? 'revoked' : 'active'}\t${c.scopes}\t${c.expires_at ? `expires ${c.expires_at}` : 'no expiry'}\t${c.last_used_at ? `last used ${c.last_used_at}` : 'never used'}\t${c.name}${c.origins ? `\torigins ${c.origins.join(',')}` : ''}`;

/** What a CLI run reads and writes: the process's own streams and environment, or a test's. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdin: AsyncIterable<string | Buffer> & { isTTY?: boolean };
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Opens the database the configuration names (default openDatabase); tests hand in their own. */
  open?: (config: Config, options?: OpenOptions) => Promise<Database>;
}

const processIo: CliIo = {
  env: process.env,
  stdin: process.stdin,
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** The password from standard input: its first line (a trailing newline is not part of it). */
async function readPassword(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr('Password (Enter, then Ctrl-D): ');
  let text = '';
  for await (const chunk of io.stdin) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new UsageError('standard input is too long for a password');
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Runs one CLI command and answers its exit code; failures are reported on `io.stderr`, never thrown. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    return (await command(argv, io)) ?? EXIT.ok;
  } catch (error) {
    return failure(error, io);
  }
}

async function command(argv: string[], io: CliIo): Promise<number | void> {
  const out = (value: unknown, json: boolean, text: string) => io.stdout(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
  const openDatabase = io.open ?? openDb;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean' },
      password: { type: 'string' },
      url: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      since: { type: 'string' },
      only: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'per-page': { type: 'string' },
      scopes: { type: 'string' },
      expires: { type: 'string' },
      publishable: { type: 'boolean', default: false },
      origins: { type: 'string' },
      'stop-after-pages': { type: 'string' },
    },
  });
  const [group, command, ref] = positionals;
  if (values.help || !group) throw new UsageError('');
  const json = values.json ?? false;
  const config = loadConfig(io.env);

  if (group === 'generate') {
    const written = writeIndexes();
    out(written, json, written.length > 0 ? written.map((file) => `wrote ${file}`).join('\n') : 'indexes are up to date');
    return;
  }
  if (group === 'migration:create') {
    // A new entity file must be in the list the ORM loads before the schema can be diffed: when the list
    // changes, the command runs again in a new process, which imports the new list.
    const listed = writeIndexes({ entities: true });
    if (listed.length > 0) {
      io.stderr(`wrote ${listed.join(', ')}\n`);
      const again = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...argv], { env: io.env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      io.stdout(again.stdout);
      io.stderr(again.stderr);
      return again.status ?? EXIT.failure;
    }
    const db = await openDatabase(config);
    try {
      const result = await db.orm.migrator.create('src/migrations', false, false, command);
      out(result, json, result.fileName ? `wrote src/migrations/${result.fileName}` : 'no changes');
    } finally {
      await db.close();
    }
    writeIndexes({ migrations: true, resources: true });
    return;
  }

  const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    const db = await openDatabase(config);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };

  if (group === 'migrate') {
    const db = await openDatabase(config, {}, { migrate: true });
    await db.close();
    out({ migrated: true }, json, 'migrations applied');
    return;
  }
  if (group === 'token-secret') {
    if (command !== 'reset') throw new UsageError(`Unknown token-secret command "${command ?? ''}"`);
    const forgot = await withDb((db) => forgetSigningKeyFingerprint(db.orm));
    out({ reset: forgot }, json, forgot ? 'token signing key fingerprint forgotten; the next server to start records its own' : 'no fingerprint was recorded');
    return;
  }
  if (group === 'import') {
    if (command !== 'uservoice') throw new UsageError(`Unknown import source "${command ?? ''}"`);
    let plan;
    try {
      plan = checkImportArgs({
        url: values.url,
        clientId: values['client-id'],
        clientSecret: values['client-secret'],
        since: values.since,
        only: values.only,
        dryRun: values['dry-run'] ?? false,
        perPage: values['per-page'],
        stopAfterPages: values['stop-after-pages'],
        json,
      });
    } catch (error) {
      if (error instanceof ImportUsageError) throw new UsageError(error.message);
      throw error;
    }
    return withDb((db) => importUservoice(db, config, plan));
  }
  if (group === 'users') {
    if (command !== 'set-password') throw new UsageError(`Unknown users command "${command ?? ''}"`);
    if (!ref) throw new UsageError('users set-password needs an EMAIL');
    const password = values.password ?? (await readPassword(io));
    const id = await withDb((db) => setPasswordByEmail(db.orm.em.fork(), ref, password));
    out({ id, email: ref.trim().toLowerCase(), password_set: true }, json, `password set for ${ref.trim().toLowerCase()}`);
    return;
  }
  if (group !== 'clients') throw new UsageError(`Unknown command "${group}"`);
  switch (command) {
    case 'create': {
      const name = values.name?.trim();
      if (!name) throw new UsageError('clients create needs --name NAME');
      const expiresAt = expiresOption(values.expires, false) ?? null;
      const origins = originsOption(values.origins, false);
      if (values.publishable) {
        if (values.scopes !== undefined) throw new UsageError('a publishable key has fixed rights: leave out --scopes');
        const key = await withDb((db) => createPublishableClient(db.orm.em.fork(), name, config.ownerEmail, expiresAt, origins ?? null));
        out(key, json, `client_id:     ${key.client_id}\n(a publishable key: no secret; safe to ship in a web page)`);
        return;
      }
      if (origins !== undefined) throw new UsageError('--origins is for publishable keys (--publishable)');
      const scopes = scopesOption(values.scopes);
      const creds = await withDb((db) => createClient(db.orm.em.fork(), name, config.ownerEmail, { scopes, expiresAt }));
      out(creds, json, `client_id:     ${creds.client_id}\nclient_secret: ${creds.client_secret}\n(the secret is shown only this once)`);
      return;
    }
    case 'update': {
      if (!ref) throw new UsageError('clients update needs an ID');
      const scopes = scopesOption(values.scopes);
      const expiresAt = expiresOption(values.expires, true);
      const origins = originsOption(values.origins, true);
      if (scopes === undefined && expiresAt === undefined && origins === undefined) throw new UsageError('clients update needs --scopes, --expires or --origins');
      const client = await withDb((db) => updateClient(db.orm.em.fork(), ref, { scopes, expiresAt, origins }));
      out(client, json, clientLine(client));
      return;
    }
    case 'list': {
      const list = await withDb((db) => listClients(db.orm.em.fork()));
      out(list, json, list.length === 0 ? 'no API clients' : list.map(clientLine).join('\n'));
      return;
    }
    case 'revoke': {
      if (!ref) throw new UsageError('clients revoke needs an ID');
      const client = await withDb((db) => revokeClient(db.orm.em.fork(), ref));
      out(client, json, `revoked ${client.client_id}`);
      return;
    }
    case 'rotate': {
      if (!ref) throw new UsageError('clients rotate needs an ID');
      const creds = await withDb((db) => rotateClient(db.orm.em.fork(), ref));
      out(creds, json, `client_id:     ${creds.client_id}\nclient_secret: ${creds.client_secret}\n(the secret is shown only this once)`);
      return;
    }
    default:
      throw new UsageError(`Unknown clients command "${command ?? ''}"`);
  }
}

function failure(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr(`${error.message ? `${error.message}\n\n` : ''}${USAGE}\n`);
    return EXIT.usage;
  }
  if (error instanceof ValidationError) {
    const problems = Object.entries(error.fields).map(([field, messages]) => `${field} ${messages.join(', ')}`);
    io.stderr(`${problems.join('\n')}\n`);
    return EXIT.usage;
  }
  if (error instanceof PublishableKeyError) {
    io.stderr(`${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ClientNotFoundError || error instanceof UserNotFoundError) {
    io.stderr(`${error.message}\n`);
    return EXIT.notFound;
  }
  if ((error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    io.stderr(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  // Configuration, locked DATA_DIR, unreachable or unmigrated database: one line, its exit code.
  const { line, exitCode } = describeFailure(error);
  io.stderr(`${line}\n`);
  return exitCode;
}

if (import.meta.main) process.exitCode = await run(process.argv.slice(2));
