import { LockMode } from '@mikro-orm/core';
import { writeTransaction } from '../db/transaction.ts';
import type { EntityManager } from '@mikro-orm/sql';
import type { DB } from '../db/schema.ts';
import { Team } from '../entities/index.ts';
import type { Input } from '../http/input.ts';
import { assignScalars } from './assign.ts';
import { found } from './found.ts';
import { sqlNow } from '../db/clock.ts';

/**
 * Creates or updates a team; `links.users`, when sent, replaces its members. Users who join or leave get
 * a new updated_at, since their `links.teams` changed (incremental syncs pick them up).
 */
export async function saveTeam(em: EntityManager, id: number | undefined, input: Input): Promise<number> {
  const members = input.get('links.users') as number[] | undefined;
  return writeTransaction(em, async (tx) => {
    const db = tx.getKysely<DB>();
    const known = members && members.length > 0 ? await db.selectFrom('users').select('id').where('id', 'in', members).execute() : [];
    input.check(members && known.length !== members.length ? { 'links.users': ['does not exist'] } : {});
    const team =
      id === undefined
        ? tx.create(Team, { name: input.get('name') as string })
        : await found(tx.findOne(Team, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
    assignScalars(team, input);
    if (members) team.membersCount = members.length;
    await tx.flush();
    if (members) {
      const before = (await db.selectFrom('team_members').select('user_id').where('team_id', '=', team.id).execute()).map((r) => Number(r.user_id));
      const leaving = before.filter((user) => !members.includes(user));
      const joining = members.filter((user) => !before.includes(user));
      if (leaving.length > 0) await db.deleteFrom('team_members').where('team_id', '=', team.id).where('user_id', 'in', leaving).execute();
      if (joining.length > 0) await db.insertInto('team_members').values(joining.map((user) => ({ team_id: team.id, user_id: user }))).execute();
      const changed = [...leaving, ...joining];
      if (changed.length > 0) await db.updateTable('users').set({ updated_at: sqlNow }).where('id', 'in', changed).execute();
    }
    return team.id;
  });
}

export async function deleteTeam(em: EntityManager, id: number): Promise<void> {
  await writeTransaction(em, async (tx) => {
    const team = await found(tx.findOne(Team, id, { lockMode: LockMode.PESSIMISTIC_WRITE }));
    const db = tx.getKysely<DB>();
    const members = (await db.selectFrom('team_members').select('user_id').where('team_id', '=', id).execute()).map((r) => Number(r.user_id));
    if (members.length > 0) await db.updateTable('users').set({ updated_at: sqlNow }).where('id', 'in', members).execute();
    tx.remove(team);
    await tx.flush();
  });
}
