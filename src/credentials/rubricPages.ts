// The rubric builder and evidence rules of one credential, and the rubric as learners see
// it: /app/:launchId/credentials/:credentialId/rubric… . Course staff edit criteria (their
// levels, pass level, weight, learning outcomes and evidence); learners see the preview of
// the published version only.
import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { can, requireCapability } from '../web/authz';
import { idParam } from '../web/params';
import { csrfToken } from '../web/csrf';
import { NotFoundError } from '../errors';
import { describeEvidence } from './completion';
import { MAX_LEVELS, MIN_LEVELS, type CredentialDefinition, type EvidenceRequirement, type RubricCriterion } from './model';
import { editDraft } from './draftEdit';
import { criterionProblems, passLevelIndex } from './rubric';
import type { CredentialVersionRow, CredentialStore } from './store';
import { formErrors, rubricCriterionSchema, versionLockSchema } from './validation';
import { EVIDENCE_KINDS, fileTypeLabel } from './vocabulary';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

/** Rows of level inputs the form always shows; blank rows are ignored. */
export const LEVEL_ROWS = MAX_LEVELS;

/** File extensions people type, and the MIME type they stand for. */
export const EXTENSION_MIME_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
  txt: 'text/plain',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
};

/** "pdf, .docx, image/png" → MIME types, in order, without repeats. */
export function parseFileTypes(text: string): string[] {
  const types = text
    .split(/[,;\s]+/)
    .map((t) => t.trim().replace(/^\./, '').toLowerCase())
    .filter(Boolean)
    .map((t) => EXTENSION_MIME_TYPES[t] ?? t);
  return [...new Set(types)];
}

/** MIME types back to what the form shows: the extension where one is known. */
export function fileTypesText(types: string[]): string {
  const ext = (mime: string) => Object.keys(EXTENSION_MIME_TYPES).find((k) => EXTENSION_MIME_TYPES[k] === mime) ?? mime;
  return types.map(ext).join(', ');
}

type FormValues = Record<string, string>;

/** What the page shows again after a failed write: which form, what was typed, what is wrong. */
interface Failed {
  form: string;
  values: FormValues;
  errors: Record<string, string>;
}

const str = (v: unknown): string => (Array.isArray(v) ? String(v[v.length - 1] ?? '') : v === undefined || v === null ? '' : String(v));
const shortId = (prefix: string) => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 8)}`;
const MB = 1024 * 1024;

/** A criterion as form values (the names the builder's inputs use). */
export function formFromCriterion(c: RubricCriterion): FormValues {
  const values: FormValues = { title: c.title, description: c.description ?? '', weight: c.weight === undefined ? '' : String(c.weight) };
  for (const lo of c.learningOutcomeIds) values[`lo_${lo}`] = 'on';
  c.levels.forEach((l, i) => {
    values[`l${i + 1}_id`] = l.id;
    values[`l${i + 1}_title`] = l.title;
    values[`l${i + 1}_descriptor`] = l.descriptor;
    values[`l${i + 1}_points`] = String(l.points);
  });
  const pass = passLevelIndex(c);
  values.passLevel = pass >= 0 ? String(pass + 1) : '';
  for (const k of EVIDENCE_KINDS) values[`ev_${k.value}`] = String(c.evidence.required.find((r) => r.kind === k.value)?.count ?? 0);
  values.fileTypes = fileTypesText(c.evidence.allowedFileTypes);
  values.maxFileSizeMb = c.evidence.maxFileSizeBytes === undefined ? '' : String(Math.round((c.evidence.maxFileSizeBytes / MB) * 100) / 100);
  return values;
}

/** Defaults of the "add a criterion" form. */
export function emptyCriterionForm(): FormValues {
  const values: FormValues = { title: '', description: '', weight: '', passLevel: '', fileTypes: '', maxFileSizeMb: '' };
  for (const k of EVIDENCE_KINDS) values[`ev_${k.value}`] = '0';
  return values;
}

/**
 * Form values → a criterion, and the errors of fields that are not even numbers. `rowOf`
 * maps the index of a filled level to the form row it came from, to place level errors.
 */
export function criterionFromForm(id: string, body: Record<string, unknown>, knownOutcomeIds: string[]) {
  const errors: Record<string, string> = {};
  const number = (name: string, text: string, message: string): number => {
    const n = Number(text.trim().replace(',', '.'));
    if (!Number.isFinite(n)) errors[name] = message;
    return n;
  };
  const levels: RubricCriterion['levels'] = [];
  const rowOf: number[] = [];
  let passLevelId = '';
  const passRow = Number(str(body.passLevel));
  for (let row = 1; row <= LEVEL_ROWS; row++) {
    const title = str(body[`l${row}_title`]).trim();
    const descriptor = str(body[`l${row}_descriptor`]).trim();
    const pointsText = str(body[`l${row}_points`]).trim();
    if (!title && !descriptor && !pointsText) continue;
    const givenId = str(body[`l${row}_id`]).trim();
    const levelId = givenId && givenId.length <= 100 ? givenId : shortId('l');
    const points = pointsText === '' ? NaN : number(`l${row}_points`, pointsText, `Give the points of level ${row} as a number.`);
    if (pointsText === '') errors[`l${row}_points`] = `Give the points of level ${row}.`;
    levels.push({ id: levelId, title, descriptor, points });
    rowOf.push(row);
    if (row === passRow) passLevelId = levelId;
  }
  if (str(body.passLevel) && !passLevelId) errors.passLevel = `Level ${str(body.passLevel)} is blank: choose a level you filled in as the pass level.`;

  const learningOutcomeIds = Object.keys(body)
    .filter((k) => k.startsWith('lo_'))
    .map((k) => k.slice(3));
  const unknown = learningOutcomeIds.filter((lo) => !knownOutcomeIds.includes(lo));
  if (unknown.length) errors.learningOutcomeIds = 'A chosen learning outcome is no longer part of this credential. Reload the page.';

  const required: EvidenceRequirement[] = [];
  const requiredKindIndex: string[] = [];
  for (const k of EVIDENCE_KINDS) {
    const text = str(body[`ev_${k.value}`]).trim();
    if (text === '' || text === '0') continue;
    const count = number(`ev_${k.value}`, text, `Give how many ${k.plural} are needed as a whole number (0 if none).`);
    required.push({ kind: k.value, count });
    requiredKindIndex.push(k.value);
  }
  const weightText = str(body.weight).trim();
  const weight = weightText === '' ? undefined : number('weight', weightText, 'Give the weight as a number, e.g. 2.');
  const mbText = str(body.maxFileSizeMb).trim();
  const mb = mbText === '' ? undefined : number('maxFileSizeMb', mbText, 'Give the largest file size in MB, e.g. 10.');
  const description = str(body.description).trim();

  const criterion: RubricCriterion = {
    id,
    title: str(body.title).trim(),
    ...(description ? { description } : {}),
    learningOutcomeIds,
    levels,
    passLevelId,
    ...(weight !== undefined ? { weight } : {}),
    evidence: {
      required,
      allowedFileTypes: parseFileTypes(str(body.fileTypes)),
      ...(mb !== undefined ? { maxFileSizeBytes: Math.round(mb * MB) } : {}),
    },
  };

  /** A schema error path inside the criterion → the form field it belongs to. */
  const fieldOf = (path: string[]): string => {
    const [head, a, b] = path;
    if (head === 'levels') {
      if (a === undefined || b === undefined || b === 'id') return 'levels';
      return `l${rowOf[Number(a)] ?? Number(a) + 1}_${b}`;
    }
    if (head === 'evidence') {
      if (a === 'allowedFileTypes') return 'fileTypes';
      if (a === 'maxFileSizeBytes') return 'maxFileSizeMb';
      if (a === 'required' && path[2] !== undefined) return `ev_${requiredKindIndex[Number(path[2])] ?? ''}`;
      return 'evidence';
    }
    if (head === 'passLevelId') return 'passLevel';
    return head ?? '_form';
  };
  return { criterion, errors, fieldOf };
}

/** Messages tuned for the form (the schema speaks of bytes, the form of MB). */
function formMessage(field: string, message: string): string {
  if (field === 'maxFileSizeMb' && /bytes/.test(message)) return 'Give the largest file size in MB, e.g. 10.';
  return message;
}

export function rubricPages({ credentials: store }: { credentials: CredentialStore }): Router {
  const r = launchPageRouter({ access: 'course:read', formLimit: '256kb' });

  const designer = (req: Request) => can(launchOf(req), 'course:design');
  const credentialId = (req: Request) => idParam(req, 'credentialId', 'That credential does not exist in this course.');
  const pageUrl = (req: Request) => `${launchBase(req)}/credentials/${credentialId(req)}/rubric`;
  const definitionOf = (v: CredentialVersionRow) => v.definition;

  /** Everything the table partial needs, computed here so the view stays simple. */
  const tableOf = (def: CredentialDefinition) => {
    const criteria = def.rubric?.criteria ?? [];
    const columns = Math.max(0, ...criteria.map((c) => c.levels.length));
    return {
      columns,
      rows: criteria.map((c) => ({
        id: c.id,
        title: c.title,
        description: c.description,
        levels: c.levels,
        passIndex: passLevelIndex(c),
        weight: c.weight ?? 1,
        // The view says so in the page's language when nothing is asked for.
        evidence: describeEvidence(c) ?? '',
        outcomes: c.learningOutcomeIds.map((id) => def.learningOutcomes.find((lo) => lo.id === id)?.statement ?? id),
      })),
    };
  };

  const render = async (req: Request, res: Response, failed?: Failed, status = 200) => {
    const cred = await store.get(courseOf(req), credentialId(req));
    const version = (cred.draft ?? cred.published)!;
    const def = definitionOf(version);
    const criteria = def.rubric?.criteria ?? [];
    res.status(status).render('credentials/rubric', {
      titleKey: def.title ? 'credentials.rubric.pageTitle' : 'credentials.rubric.pageTitleUntitled',
      titleParams: { title: def.title ?? '' },
      launch: req.launch,
      base: launchBase(req),
      page: pageUrl(req),
      csrf: csrfToken(req),
      credentialId: credentialId(req),
      version,
      def,
      criteria: criteria.map((c) => ({
        criterion: c,
        values: formFromCriterion(c),
        problems: criterionProblems(c),
        evidence: describeEvidence(c),
        outcomes: c.learningOutcomeIds.map((id) => def.learningOutcomes.find((lo) => lo.id === id)?.statement ?? `Unknown outcome ${id}`),
        fileTypes: c.evidence.allowedFileTypes.map(fileTypeLabel),
      })),
      emptyForm: emptyCriterionForm(),
      levelRows: LEVEL_ROWS,
      minLevels: MIN_LEVELS,
      maxLevels: MAX_LEVELS,
      evidenceKinds: EVIDENCE_KINDS,
      failed,
      notice: typeof req.query.notice === 'string' ? req.query.notice : undefined,
    });
  };

  /** Applies a change to the edited version's criteria, validates the whole draft, saves. */
  const save = async (
    req: Request,
    res: Response,
    form: string,
    change: (criteria: RubricCriterion[], def: CredentialDefinition) => RubricCriterion[],
    summary: string,
    notice: string,
    fieldOf?: (path: string[]) => string,
  ) => {
    let criteria: RubricCriterion[] = [];
    const result = await editDraft(
      store,
      { courseId: courseOf(req), credentialId: credentialId(req), actorId: launchOf(req).userId },
      req.body,
      (def) => {
        criteria = change(def.rubric?.criteria ?? [], def);
        return { ...def, rubric: { ...def.rubric, criteria } };
      },
      summary,
    );
    if (!result.ok && result.status === 409) return render(req, res, { form, values: bodyValues(req), errors: { _form: result.message } }, 409);
    if (!result.ok) {
      // Errors of the edited criterion go next to its fields; anything else at the top.
      const errors: Record<string, string> = {};
      const editedIndex = form.startsWith('edit:') ? criteria.findIndex((c) => c.id === form.slice(5)) : form === 'add' ? criteria.length - 1 : -1;
      for (const [key, message] of Object.entries(result.errors)) {
        const path = key.split('.');
        const field = path[0] === 'rubric' && path[1] === 'criteria' && Number(path[2]) === editedIndex && fieldOf ? fieldOf(path.slice(3)) : '_form';
        if (!(field in errors)) errors[field] = field === '_form' ? `The rubric could not be saved: ${message}` : formMessage(field, message);
      }
      return render(req, res, { form, values: bodyValues(req), errors }, 422);
    }
    res.redirect(303, `${pageUrl(req)}?notice=${notice}`);
  };

  const bodyValues = (req: Request): FormValues => Object.fromEntries(Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, str(v)]));

  /** Shared by add and edit: parse the form, check the one criterion, then save the whole draft. */
  const saveCriterion = async (req: Request, res: Response, form: string, id: string, isNew: boolean) => {
    const cred = await store.get(courseOf(req), credentialId(req));
    const lock = versionLockSchema.safeParse(req.body);
    const edited = lock.success ? cred.versions.find((v) => v.id === lock.data.versionId) : undefined;
    const known = edited ? definitionOf(edited).learningOutcomes.map((lo) => lo.id) : [];
    if (edited && !isNew && !(definitionOf(edited).rubric?.criteria ?? []).some((c) => c.id === id)) {
      throw new NotFoundError('That criterion is not part of this rubric (any more).');
    }
    const { criterion, errors, fieldOf } = criterionFromForm(id, req.body, known);
    const checked = rubricCriterionSchema.safeParse(criterion);
    if (!checked.success) {
      for (const [key, message] of Object.entries(formErrors(checked.error))) {
        const field = fieldOf(key.split('.'));
        if (!(field in errors)) errors[field] = formMessage(field, message);
      }
    }
    if (Object.keys(errors).length) return render(req, res, { form, values: bodyValues(req), errors }, 422);
    await save(
      req,
      res,
      form,
      (criteria) => (isNew ? [...criteria, criterion] : criteria.map((c) => (c.id === id ? criterion : c))),
      isNew ? `Rubric criterion “${criterion.title}” added` : `Rubric criterion “${criterion.title}” edited`,
      isNew ? 'added' : 'saved',
      fieldOf,
    );
  };

  const findCriterion = (criteria: RubricCriterion[], id: string) => {
    const index = criteria.findIndex((c) => c.id === id);
    if (index < 0) throw new NotFoundError('That criterion is not part of this rubric (any more).');
    return index;
  };

  r.get('/', requireCapability('course:design'), (req, res) => render(req, res));

  r.get('/preview', async (req, res) => {
    const cred = await store.get(courseOf(req), credentialId(req), { publishedOnly: !designer(req) });
    const version = (designer(req) ? (cred.draft ?? cred.published) : cred.published)!;
    const def = definitionOf(version);
    res.render('credentials/rubric-preview', {
      titleKey: def.title ? 'credentials.rubric.pageTitle' : 'credentials.rubric.pageTitleUntitled',
      titleParams: { title: def.title ?? '' },
      launch: req.launch,
      base: launchBase(req),
      credentialId: credentialId(req),
      designer: designer(req),
      version,
      def,
      table: tableOf(def),
    });
  });

  r.post('/criteria', requireCapability('course:design'), (req, res) => saveCriterion(req, res, 'add', shortId('c'), true));

  r.post('/criteria/:criterionId', requireCapability('course:design'), (req, res) =>
    saveCriterion(req, res, `edit:${req.params.criterionId}`, req.params.criterionId, false),
  );

  r.post('/criteria/:criterionId/delete', requireCapability('course:design'), (req, res) =>
    save(
      req,
      res,
      `edit:${req.params.criterionId}`,
      (criteria) => {
        const index = findCriterion(criteria, req.params.criterionId);
        return criteria.filter((_, i) => i !== index);
      },
      'Rubric criterion removed',
      'removed',
    ),
  );

  r.post('/criteria/:criterionId/move', requireCapability('course:design'), (req, res) =>
    save(
      req,
      res,
      `edit:${req.params.criterionId}`,
      (criteria) => {
        const index = findCriterion(criteria, req.params.criterionId);
        const to = str(req.body.direction) === 'up' ? index - 1 : str(req.body.direction) === 'down' ? index + 1 : index;
        if (to < 0 || to >= criteria.length || to === index) return criteria;
        const moved = [...criteria];
        [moved[index], moved[to]] = [moved[to], moved[index]];
        return moved;
      },
      'Rubric criteria reordered',
      'moved',
    ),
  );

  return r;
}
