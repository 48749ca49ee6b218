import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ISO_SECONDS } from '../helpers/http.ts';
import { api, type Api } from '../helpers/factories.ts';
import { NOT_FOUND } from '../helpers/wire.ts';

let app: TestApp;
let uv: Api;

beforeAll(async () => {
  app = await startTestApp();
  uv = await api(app);
});
afterAll(() => app?.close());

const LABEL_LINKS = { 'labels.parent': { type: 'labels' } };

function labelRecord(id: number, name: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    name,
    full_name: name,
    level: 1,
    open_suggestions_count: 0,
    created_at: expect.stringMatching(ISO_SECONDS),
    updated_at: expect.stringMatching(ISO_SECONDS),
    links: { parent: null },
    ...fields,
  };
}

async function getLabel(id: number): Promise<any> {
  const reply = await uv.get(`/labels/${id}`);
  expect(reply.status).toBe(200);
  return reply.body.labels[0];
}

async function labelsOf(suggestionId: number): Promise<number[]> {
  const reply = await uv.get(`/suggestions/${suggestionId}`);
  expect(reply.status).toBe(200);
  return reply.body.suggestions[0].links.labels;
}

const openCount = async (labelId: number): Promise<number> => (await getLabel(labelId)).open_suggestions_count;

describe('GET /admin/labels/{id}', () => {
  it('returns one record in the plural key with every field typed, and the links map', async () => {
    const label = await uv.label({ name: 'Billing' });
    const reply = await uv.get(`/labels/${label.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ labels: [labelRecord(label.id, 'Billing')], links: LABEL_LINKS });
  });

  it('reads several ids in the requested order; 404 when any is missing or not numeric', async () => {
    const a = await uv.label({ name: 'A' });
    const b = await uv.label({ name: 'B', links: { parent: a.id } });
    const reply = await uv.get(`/labels/${b.id},${a.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      labels: [labelRecord(b.id, 'B', { full_name: 'A / B', level: 2, links: { parent: a.id } }), labelRecord(a.id, 'A')],
      links: LABEL_LINKS,
    });
    for (const ids of [`${a.id},999999`, '999999', 'abc', `${a.id},abc`, 'attach']) {
      const missing = await uv.get(`/labels/${ids}`);
      expect(missing.status, ids).toBe(404);
      expect(missing.body, ids).toEqual(NOT_FOUND);
    }
  });

  it('never side-loads labels into themselves: a parent appears only in links.parent; unknown includes are ignored', async () => {
    const parent = await uv.label({ name: 'Parent' });
    const child = await uv.label({ name: 'Child', links: { parent: parent.id } });
    const expected = {
      labels: [labelRecord(child.id, 'Child', { full_name: 'Parent / Child', level: 2, links: { parent: parent.id } })],
      links: LABEL_LINKS,
    };
    for (const query of ['includes=labels', 'includes=forums,users', 'includes=bogus', 'includes=labels&includes=parents']) {
      const reply = await uv.get(`/labels/${child.id}?${query}`);
      expect(reply.status, query).toBe(200);
      expect(reply.body, query).toEqual(expected);
    }
  });
});

describe('GET /admin/labels (list)', () => {
  it('filters by parent, with list_meta: null and pagination', async () => {
    const parent = await uv.label({ name: 'Area' });
    const x = await uv.label({ name: 'X', links: { parent: parent.id } });
    const y = await uv.label({ name: 'Y', links: { parent: parent.id } });
    await uv.label({ name: 'Z' });
    const reply = await uv.get(`/labels?parent=${parent.id}&sort=name`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      labels: [
        labelRecord(x.id, 'X', { full_name: 'Area / X', level: 2, links: { parent: parent.id } }),
        labelRecord(y.id, 'Y', { full_name: 'Area / Y', level: 2, links: { parent: parent.id } }),
      ],
      links: LABEL_LINKS,
      list_meta: null,
      pagination: { page: 1, per_page: 20, total_pages: 1, total_records: 2 },
    });
  });
});

describe('POST /admin/labels', () => {
  it('creates from flat JSON, wrapped JSON, & and ; form bodies with links.parent', async () => {
    const flat = await uv.post('/labels', { name: 'Top' });
    expect(flat.status).toBe(200);
    const top = flat.body.labels[0].id;
    expect(flat.body).toEqual({ labels: [labelRecord(top, 'Top')], links: LABEL_LINKS });

    const wrapped = await uv.post('/labels', { label: { name: 'Wrapped', links: { parent: top } } });
    expect(wrapped.status).toBe(200);
    expect(wrapped.body).toEqual({
      labels: [labelRecord(wrapped.body.labels[0].id, 'Wrapped', { full_name: 'Top / Wrapped', level: 2, links: { parent: top } })],
      links: LABEL_LINKS,
    });

    const amp = await uv.post('/labels', undefined, { form: `name=Form+label&links.parent=${top}` });
    expect(amp.status).toBe(200);
    expect(amp.body).toEqual({
      labels: [labelRecord(amp.body.labels[0].id, 'Form label', { full_name: 'Top / Form label', level: 2, links: { parent: top } })],
      links: LABEL_LINKS,
    });

    const semi = await uv.post('/labels', undefined, { form: `name=Semi%20label;links.parent=${amp.body.labels[0].id};` });
    expect(semi.status).toBe(200);
    expect(semi.body).toEqual({
      labels: [
        labelRecord(semi.body.labels[0].id, 'Semi label', {
          full_name: 'Top / Form label / Semi label',
          level: 3,
          links: { parent: amp.body.labels[0].id },
        }),
      ],
      links: LABEL_LINKS,
    });

    const explicitNull = await uv.post('/labels', { name: 'Rootless', links: { parent: null } });
    expect(explicitNull.status).toBe(200);
    expect(explicitNull.body).toEqual({ labels: [labelRecord(explicitNull.body.labels[0].id, 'Rootless')], links: LABEL_LINKS });
  });

  it('ignores unknown and read-only fields', async () => {
    const reply = await uv.post('/labels', {
      name: 'Plain',
      id: 999_999,
      full_name: 'Hacked / Plain',
      level: 5,
      open_suggestions_count: 12,
      created_at: '2001-01-01T00:00:00Z',
      links: { forum: 1 },
      colour: 'red',
    });
    expect(reply.status).toBe(200);
    const record = reply.body.labels[0];
    expect(record.id).not.toBe(999_999);
    expect(record.created_at).not.toBe('2001-01-01T00:00:00Z');
    expect(reply.body).toEqual({ labels: [labelRecord(record.id, 'Plain')], links: LABEL_LINKS });
  });

  it('422 for a missing, blank or too long name, and for a NUL character', async () => {
    for (const json of [{}, { name: '' }, { name: '  ' }, { name: null }]) {
      const reply = await uv.post('/labels', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors: { name: ["can't be blank"] } });
    }
    const long = await uv.post('/labels', { name: 'l'.repeat(256) });
    expect(long.status).toBe(422);
    expect(long.body).toEqual({ errors: { name: ['is too long (maximum is 255 characters)'] } });

    const nul = await uv.post('/labels', { name: 'bad\u0000label' });
    expect(nul.status).toBe(422);
    expect(nul.body).toEqual({ errors: { name: ['contains invalid characters'] } });
    const nulForm = await uv.post('/labels', undefined, { form: 'name=bad%00label' });
    expect(nulForm.status).toBe(422);
    expect(nulForm.body).toEqual({ errors: { name: ['contains invalid characters'] } });
  });

  it('422 for a non-existent links.parent', async () => {
    for (const parent of [999_999, 'abc', 0]) {
      const reply = await uv.post('/labels', { name: 'Orphan', links: { parent } });
      expect(reply.status, String(parent)).toBe(422);
      expect(reply.body, String(parent)).toEqual({ errors: { 'links.parent': ['does not exist'] } });
    }
  });

  it('422 (not 500) for an invalid name sent together with links.parent', async () => {
    const parent = await uv.label({ name: 'Valid parent' });
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{ name: '', links: { parent: 999_999 } }, { name: ["can't be blank"], 'links.parent': ['does not exist'] }],
      [{ links: { parent: parent.id } }, { name: ["can't be blank"] }],
      [{ name: '', links: { parent: parent.id } }, { name: ["can't be blank"] }],
      [{ name: 'n'.repeat(256), links: { parent: parent.id } }, { name: ['is too long (maximum is 255 characters)'] }],
      [{ name: 'bad\u0000label', links: { parent: parent.id } }, { name: ['contains invalid characters'] }],
    ];
    for (const [json, errors] of cases) {
      const reply = await uv.post('/labels', json);
      expect(reply.status, JSON.stringify(json)).toBe(422);
      expect(reply.body, JSON.stringify(json)).toEqual({ errors });
    }
    const children = await uv.get(`/labels?parent=${parent.id}`);
    expect(children.body.labels).toEqual([]);
  });
});

describe('nesting', () => {
  it('renaming a parent updates the full_name of its descendants', async () => {
    const root = await uv.label({ name: 'Root' });
    const mid = await uv.label({ name: 'Mid', links: { parent: root.id } });
    const leaf = await uv.label({ name: 'Leaf', links: { parent: mid.id } });
    expect(await getLabel(leaf.id)).toEqual(labelRecord(leaf.id, 'Leaf', { full_name: 'Root / Mid / Leaf', level: 3, links: { parent: mid.id } }));

    const renamed = await uv.put(`/labels/${root.id}`, { name: 'Renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toEqual({ labels: [labelRecord(root.id, 'Renamed')], links: LABEL_LINKS });
    expect(await getLabel(mid.id)).toEqual(labelRecord(mid.id, 'Mid', { full_name: 'Renamed / Mid', level: 2, links: { parent: root.id } }));
    expect(await getLabel(leaf.id)).toEqual(labelRecord(leaf.id, 'Leaf', { full_name: 'Renamed / Mid / Leaf', level: 3, links: { parent: mid.id } }));
  });

  it('moves a label (with its children) under another parent, and back to the top', async () => {
    const one = await uv.label({ name: 'One' });
    const two = await uv.label({ name: 'Two' });
    const mover = await uv.label({ name: 'Mover', links: { parent: one.id } });
    const rider = await uv.label({ name: 'Rider', links: { parent: mover.id } });

    const moved = await uv.put(`/labels/${mover.id}`, { links: { parent: two.id } });
    expect(moved.status).toBe(200);
    expect(moved.body).toEqual({
      labels: [labelRecord(mover.id, 'Mover', { full_name: 'Two / Mover', level: 2, links: { parent: two.id } })],
      links: LABEL_LINKS,
    });
    expect(await getLabel(rider.id)).toEqual(labelRecord(rider.id, 'Rider', { full_name: 'Two / Mover / Rider', level: 3, links: { parent: mover.id } }));

    const form = await uv.put(`/labels/${mover.id}`, undefined, { form: `links.parent=${one.id};name=Moved` });
    expect(form.status).toBe(200);
    expect(form.body).toEqual({
      labels: [labelRecord(mover.id, 'Moved', { full_name: 'One / Moved', level: 2, links: { parent: one.id } })],
      links: LABEL_LINKS,
    });

    const top = await uv.put(`/labels/${mover.id}`, { label: { links: { parent: null } } });
    expect(top.status).toBe(200);
    expect(top.body).toEqual({ labels: [labelRecord(mover.id, 'Moved')], links: LABEL_LINKS });
    expect(await getLabel(rider.id)).toEqual(labelRecord(rider.id, 'Rider', { full_name: 'Moved / Rider', level: 2, links: { parent: mover.id } }));

    // An update that does not mention the parent keeps it.
    await uv.put(`/labels/${rider.id}`, { name: 'Still riding' });
    expect((await getLabel(rider.id)).links).toEqual({ parent: mover.id });
  });

  it('422 when a label would become its own ancestor', async () => {
    const a = await uv.label({ name: 'Loop A' });
    const b = await uv.label({ name: 'Loop B', links: { parent: a.id } });
    const c = await uv.label({ name: 'Loop C', links: { parent: b.id } });
    for (const [id, parent] of [
      [a.id, a.id],
      [a.id, b.id],
      [a.id, c.id],
      [b.id, c.id],
    ] as const) {
      const reply = await uv.put(`/labels/${id}`, { links: { parent } });
      expect(reply.status, `${id} under ${parent}`).toBe(422);
      expect(Object.keys(reply.body.errors), `${id} under ${parent}`).toEqual(['links.parent']);
    }
    expect(await getLabel(a.id)).toEqual(labelRecord(a.id, 'Loop A'));
    expect(await getLabel(c.id)).toEqual(labelRecord(c.id, 'Loop C', { full_name: 'Loop A / Loop B / Loop C', level: 3, links: { parent: b.id } }));
  });

  it('422 for a non-existent parent, a blank name or a NUL on update; 404 for an unknown id', async () => {
    const label = await uv.label({ name: 'Fixed' });
    const lost = await uv.put(`/labels/${label.id}`, { links: { parent: 999_999 } });
    expect(lost.status).toBe(422);
    expect(lost.body).toEqual({ errors: { 'links.parent': ['does not exist'] } });
    const blank = await uv.put(`/labels/${label.id}`, { name: ' ' });
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { name: ["can't be blank"] } });
    const nul = await uv.put(`/labels/${label.id}`, { name: 'x\u0000y' });
    expect(nul.status).toBe(422);
    expect(nul.body).toEqual({ errors: { name: ['contains invalid characters'] } });
    expect(await getLabel(label.id)).toEqual(labelRecord(label.id, 'Fixed'));

    for (const id of ['999999', 'abc']) {
      const reply = await uv.put(`/labels/${id}`, { name: 'nope' });
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });

  it('ignores read-only fields on update', async () => {
    const label = await uv.label({ name: 'Stubborn' });
    const reply = await uv.put(`/labels/${label.id}`, { full_name: 'X / Y', level: 9, open_suggestions_count: 4, id: 999_999 });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ labels: [labelRecord(label.id, 'Stubborn', { created_at: label.created_at })], links: LABEL_LINKS });
  });
});

describe('DELETE /admin/labels/{id}', () => {
  it('returns the record as it was; afterwards GET is 404', async () => {
    const parent = await uv.label({ name: 'Keeper' });
    const label = await uv.label({ name: 'Doomed', links: { parent: parent.id } });
    const before = (await uv.get(`/labels/${label.id}`)).body;
    const reply = await uv.delete(`/labels/${label.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      labels: [labelRecord(label.id, 'Doomed', { full_name: 'Keeper / Doomed', level: 2, links: { parent: parent.id } })],
      links: LABEL_LINKS,
    });
    expect(reply.body).toEqual(before);
    const gone = await uv.get(`/labels/${label.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(NOT_FOUND);
    expect(await getLabel(parent.id)).toEqual(labelRecord(parent.id, 'Keeper'));
  });

  it('deleting a parent deletes its children and detaches them all from suggestions', async () => {
    const forum = await uv.forum();
    const parent = await uv.label({ name: 'Doomed parent' });
    const child = await uv.label({ name: 'Doomed child', links: { parent: parent.id } });
    const grandchild = await uv.label({ name: 'Doomed grandchild', links: { parent: child.id } });
    const survivor = await uv.label({ name: 'Survivor' });
    const s = await uv.suggestion(forum.id);
    for (const label of [parent, child, grandchild, survivor]) {
      expect((await uv.post('/labels/attach', { links: { label: label.id, suggestion: s.id } })).status).toBe(200);
    }
    expect(await labelsOf(s.id)).toEqual([parent.id, child.id, grandchild.id, survivor.id]);

    const reply = await uv.delete(`/labels/${parent.id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ labels: [labelRecord(parent.id, 'Doomed parent', { open_suggestions_count: 1 })], links: LABEL_LINKS });
    for (const id of [parent.id, child.id, grandchild.id]) {
      const gone = await uv.get(`/labels/${id}`);
      expect(gone.status, String(id)).toBe(404);
      expect(gone.body).toEqual(NOT_FOUND);
    }
    expect(await labelsOf(s.id)).toEqual([survivor.id]);
    expect(await openCount(survivor.id)).toBe(1);
  });

  it('404 record_not_found for an unknown or non-numeric id', async () => {
    for (const id of ['999999', 'abc']) {
      const reply = await uv.delete(`/labels/${id}`);
      expect(reply.status, id).toBe(404);
      expect(reply.body, id).toEqual(NOT_FOUND);
    }
  });
});

describe('POST /admin/labels/attach and /detach', () => {
  it('attach links the label to the suggestion (idempotently) and counts it; detach undoes it', async () => {
    const forum = await uv.forum();
    const label = await uv.label({ name: 'Attached' });
    const s = await uv.suggestion(forum.id);
    expect(await labelsOf(s.id)).toEqual([]);

    const attach = await uv.post('/labels/attach', { links: { label: label.id, suggestion: s.id } });
    expect(attach.status).toBe(200);
    expect(attach.body).toEqual({ labels: [labelRecord(label.id, 'Attached', { open_suggestions_count: 1 })], links: LABEL_LINKS });
    expect(await labelsOf(s.id)).toEqual([label.id]);

    const again = await uv.post('/labels/attach', { links: { label: label.id, suggestion: s.id } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ labels: [labelRecord(label.id, 'Attached', { open_suggestions_count: 1 })], links: LABEL_LINKS });
    expect(await labelsOf(s.id)).toEqual([label.id]);

    const detach = await uv.post('/labels/detach', { links: { label: label.id, suggestion: s.id } });
    expect(detach.status).toBe(200);
    expect(detach.body).toEqual({ labels: [labelRecord(label.id, 'Attached')], links: LABEL_LINKS });
    expect(await labelsOf(s.id)).toEqual([]);

    const detachAgain = await uv.post('/labels/detach', { links: { label: label.id, suggestion: s.id } });
    expect(detachAgain.status).toBe(200);
    expect(detachAgain.body).toEqual({ labels: [labelRecord(label.id, 'Attached')], links: LABEL_LINKS });
  });

  it('takes form bodies (& and ;) and a wrapped body', async () => {
    const forum = await uv.forum();
    const label = await uv.label({ name: 'Form attached' });
    const s = await uv.suggestion(forum.id);

    const attach = await uv.post('/labels/attach', undefined, { form: `links.label=${label.id}&links.suggestion=${s.id}` });
    expect(attach.status).toBe(200);
    expect(attach.body).toEqual({ labels: [labelRecord(label.id, 'Form attached', { open_suggestions_count: 1 })], links: LABEL_LINKS });
    expect(await labelsOf(s.id)).toEqual([label.id]);

    const detach = await uv.post('/labels/detach', undefined, { form: `links.label=${label.id};links.suggestion=${s.id};` });
    expect(detach.status).toBe(200);
    expect(await labelsOf(s.id)).toEqual([]);
    expect(await openCount(label.id)).toBe(0);

    const wrapped = await uv.post('/labels/attach', { label: { links: { label: label.id, suggestion: s.id } } });
    expect(wrapped.status).toBe(200);
    expect(await labelsOf(s.id)).toEqual([label.id]);
  });

  it('side-loads with includes in the body', async () => {
    const forum = await uv.forum();
    const parent = await uv.label({ name: 'Inc parent' });
    const label = await uv.label({ name: 'Inc child', links: { parent: parent.id } });
    const s = await uv.suggestion(forum.id);
    const reply = await uv.post('/labels/attach', { links: { label: label.id, suggestion: s.id }, includes: 'labels,bogus' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      labels: [labelRecord(label.id, 'Inc child', { full_name: 'Inc parent / Inc child', level: 2, open_suggestions_count: 1, links: { parent: parent.id } })],
      links: LABEL_LINKS,
    });
  });

  it('open_suggestions_count follows the suggestion: spam, unremove, delete, closed status', async () => {
    const forum = await uv.forum();
    const label = await uv.label();
    const s1 = await uv.suggestion(forum.id);
    const s2 = await uv.suggestion(forum.id);
    await uv.post('/labels/attach', { links: { label: label.id, suggestion: s1.id } });
    expect(await openCount(label.id)).toBe(1);
    await uv.post('/labels/attach', { links: { label: label.id, suggestion: s2.id } });
    expect(await openCount(label.id)).toBe(2);

    expect((await uv.put(`/suggestions/${s1.id}/spam`)).status).toBe(200);
    expect(await openCount(label.id)).toBe(1);
    expect(await labelsOf(s1.id)).toEqual([label.id]);
    await uv.put(`/suggestions/${s1.id}/unremove`);
    expect(await openCount(label.id)).toBe(2);

    await uv.delete(`/suggestions/${s2.id}`);
    expect(await openCount(label.id)).toBe(1);
    // Detaching from a suggestion that does not count changes nothing else.
    await uv.post('/labels/detach', { links: { label: label.id, suggestion: s2.id } });
    expect(await openCount(label.id)).toBe(1);
    // Attaching to a deleted suggestion links it but does not count it.
    await uv.post('/labels/attach', { links: { label: label.id, suggestion: s2.id } });
    expect(await labelsOf(s2.id)).toEqual([label.id]);
    expect(await openCount(label.id)).toBe(1);

    const closed = await uv.status({ is_open: false });
    await uv.put(`/suggestions/${s1.id}`, { links: { status: closed.id } });
    expect(await openCount(label.id)).toBe(0);
    await uv.put(`/suggestions/${s1.id}`, { links: { status: null } });
    expect(await openCount(label.id)).toBe(1);

    await uv.put(`/suggestions/${s1.id}/spam`);
    expect(await openCount(label.id)).toBe(0);
    await uv.post('/labels/detach', { links: { label: label.id, suggestion: s1.id } });
    expect(await openCount(label.id)).toBe(0);
    expect(await labelsOf(s1.id)).toEqual([]);
  });

  it('suggestion lists filter by label', async () => {
    const forum = await uv.forum();
    const label = await uv.label();
    const s = await uv.suggestion(forum.id);
    await uv.suggestion(forum.id);
    await uv.post('/labels/attach', { links: { label: label.id, suggestion: s.id } });
    const reply = await uv.get(`/suggestions?label=${label.id}`);
    expect(reply.body.suggestions.map((x: any) => x.id)).toEqual([s.id]);
  });

  it('422 naming links.label / links.suggestion when missing or non-existent', async () => {
    const forum = await uv.forum();
    const label = await uv.label();
    const s = await uv.suggestion(forum.id);
    const cases: Array<[unknown, Record<string, string[]>]> = [
      [{}, { 'links.label': ["can't be blank"], 'links.suggestion': ["can't be blank"] }],
      [{ links: { suggestion: s.id } }, { 'links.label': ["can't be blank"] }],
      [{ links: { label: label.id } }, { 'links.suggestion': ["can't be blank"] }],
      [{ links: { label: null, suggestion: s.id } }, { 'links.label': ["can't be blank"] }],
      [{ links: { label: 999_999, suggestion: s.id } }, { 'links.label': ['does not exist'] }],
      [{ links: { label: label.id, suggestion: 999_999 } }, { 'links.suggestion': ['does not exist'] }],
      [{ links: { label: 'abc', suggestion: s.id } }, { 'links.label': ['does not exist'] }],
    ];
    for (const action of ['attach', 'detach']) {
      for (const [json, errors] of cases) {
        const reply = await uv.post(`/labels/${action}`, json);
        expect(reply.status, `${action} ${JSON.stringify(json)}`).toBe(422);
        expect(reply.body, `${action} ${JSON.stringify(json)}`).toEqual({ errors });
      }
      const form = await uv.post(`/labels/${action}`, undefined, { form: `links.label=999999&links.suggestion=${s.id}` });
      expect(form.status).toBe(422);
      expect(form.body).toEqual({ errors: { 'links.label': ['does not exist'] } });
    }
    expect(await labelsOf(s.id)).toEqual([]);
  });

  it('422 names both links when neither the label nor the suggestion exists', async () => {
    const reply = await uv.post('/labels/attach', { links: { label: 999_999, suggestion: 999_998 } });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ errors: { 'links.label': ['does not exist'], 'links.suggestion': ['does not exist'] } });
  });
});
