// The credential's learning outcomes, their alignments, and the mapping matrix to
// course outcomes: /app/:launchId/credentials/:credentialId/outcomes… (course staff).
import { randomUUID } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import { idParam } from '../web/params';
import { csrfToken } from '../web/csrf';
import { NotFoundError } from '../errors';
import { editDraft } from './draftEdit';
import { buildMappingMatrix } from './mapping';
import type { CourseOutcome, LearningOutcome } from './model';
import type { CourseOutcomeStore, CredentialStore, CredentialVersionRow } from './store';
import { alignmentSchema, formErrors, learningOutcomeSchema } from './validation';
import { ALIGNMENT_KINDS } from './vocabulary';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

/** What the page shows again after a failed write: which form, what was typed, what is wrong. */
interface Failed {
  form: string;
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const blank = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

export function learningOutcomePages({ credentials, courseOutcomes }: { credentials: CredentialStore; courseOutcomes: CourseOutcomeStore }): Router {
  const r = launchPageRouter({ access: 'course:design', formLimit: '256kb' });

  const credentialId = (req: Request) => idParam(req, 'credentialId', 'That credential does not exist in this course.');
  const pageUrl = (req: Request) => `${launchBase(req)}/credentials/${credentialId(req)}/outcomes`;

  /** The version being edited: the draft, or the published one (saving then starts a draft). */
  const editable = async (req: Request): Promise<CredentialVersionRow> => {
    const cred = await credentials.get(courseOf(req), credentialId(req));
    return (cred.draft ?? cred.published)!;
  };

  const render = async (req: Request, res: Response, failed?: Failed, status = 200) => {
    const version = await editable(req);
    const def = version.definition;
    const rows = await courseOutcomes.list(courseOf(req), { includeArchived: true });
    const cos: CourseOutcome[] = rows.map((o) => ({
      id: o.id,
      code: o.code,
      title: o.title,
      description: o.description,
      position: o.position,
      archived: Boolean(o.archivedAt),
    }));
    res.status(status).render('credentials/learning-outcomes', {
      titleKey: 'credentials.learningOutcomes.title',
      launch: req.launch,
      base: launchBase(req),
      page: pageUrl(req),
      csrf: csrfToken(req),
      credentialId: credentialId(req),
      version,
      def,
      courseOutcomes: cos.filter((c) => !c.archived),
      matrix: buildMappingMatrix(cos, def.learningOutcomes),
      kinds: ALIGNMENT_KINDS,
      failed,
      notice: req.query.notice,
    });
  };

  /** Applies a change to the edited version's outcomes and saves the draft (editDraft). */
  const save = async (req: Request, res: Response, form: string, change: (los: LearningOutcome[]) => LearningOutcome[], summary: string, notice: string) => {
    const result = await editDraft(
      credentials,
      { courseId: courseOf(req), credentialId: credentialId(req), actorId: launchOf(req).userId },
      req.body,
      (def) => ({ ...def, learningOutcomes: change(def.learningOutcomes) }),
      summary,
    );
    if (!result.ok)
      return render(req, res, { form, values: req.body, errors: result.status === 409 ? { _form: result.message } : result.errors }, result.status);
    res.redirect(303, `${pageUrl(req)}?notice=${notice}`);
  };

  const outcomeInput = (req: Request, id: string) =>
    learningOutcomeSchema.safeParse({
      id,
      statement: req.body.statement,
      alignments: [],
      mappedCourseOutcomeIds: asList(req.body.courseOutcomeIds).map(Number),
    });

  r.get('/', (req, res) => render(req, res));

  r.post('/', async (req, res) => {
    const id = `lo-${randomUUID().slice(0, 8)}`;
    const input = outcomeInput(req, id);
    if (!input.success) return render(req, res, { form: 'add', values: req.body, errors: formErrors(input.error) }, 422);
    await save(req, res, 'add', (los) => [...los, input.data as LearningOutcome], 'Learning outcome added', 'added');
  });

  r.post('/mapping', async (req, res) => {
    // Checkboxes are named m|<courseOutcomeId>|<learningOutcomeId>; only checked ones are sent.
    const checked = Object.keys(req.body)
      .filter((k) => k.startsWith('m|'))
      .map((k) => k.split('|'));
    const mappedTo = (loId: string) => checked.filter(([, , lo]) => lo === loId).map(([, co]) => Number(co));
    await save(
      req,
      res,
      'mapping',
      (los) => los.map((lo) => ({ ...lo, mappedCourseOutcomeIds: mappedTo(lo.id) })),
      'Mapping to course outcomes changed',
      'mapped',
    );
  });

  const findOutcome = (los: LearningOutcome[], id: string) => {
    const lo = los.find((l) => l.id === id);
    if (!lo) throw new NotFoundError('That learning outcome is not part of this credential (any more).');
    return lo;
  };

  r.post('/:loId', async (req, res) => {
    const input = outcomeInput(req, req.params.loId);
    if (!input.success) return render(req, res, { form: `edit:${req.params.loId}`, values: req.body, errors: formErrors(input.error) }, 422);
    await save(
      req,
      res,
      `edit:${req.params.loId}`,
      (los) => {
        const lo = findOutcome(los, req.params.loId);
        return los.map((l) => (l === lo ? { ...lo, statement: input.data.statement, mappedCourseOutcomeIds: input.data.mappedCourseOutcomeIds } : l));
      },
      'Learning outcome edited',
      'saved',
    );
  });

  r.post('/:loId/delete', async (req, res) => {
    const version = await editable(req);
    const def = version.definition;
    const usedBy = def.rubric.criteria.filter((c) => c.learningOutcomeIds.includes(req.params.loId));
    if (usedBy.length) {
      return render(
        req,
        res,
        {
          form: `edit:${req.params.loId}`,
          values: {},
          errors: { _form: `This outcome is assessed by rubric criterion “${usedBy[0].title}”. Unlink it there first.` },
        },
        409,
      );
    }
    await save(req, res, `edit:${req.params.loId}`, (los) => los.filter((l) => l !== findOutcome(los, req.params.loId)), 'Learning outcome removed', 'removed');
  });

  r.post('/:loId/alignments', async (req, res) => {
    const form = `align:${req.params.loId}`;
    const input = alignmentSchema.safeParse({
      kind: req.body.kind,
      targetName: req.body.targetName,
      targetUrl: blank(req.body.targetUrl),
      targetCode: blank(req.body.targetCode),
      targetFramework: blank(req.body.targetFramework),
    });
    if (!input.success) return render(req, res, { form, values: req.body, errors: formErrors(input.error) }, 422);
    await save(
      req,
      res,
      form,
      (los) => {
        const lo = findOutcome(los, req.params.loId);
        return los.map((l) => (l === lo ? { ...lo, alignments: [...lo.alignments, input.data] } : l));
      },
      'Alignment added',
      'aligned',
    );
  });

  r.post('/:loId/alignments/:index/delete', async (req, res) => {
    const index = Number(req.params.index);
    await save(
      req,
      res,
      `align:${req.params.loId}`,
      (los) => {
        const lo = findOutcome(los, req.params.loId);
        return los.map((l) => (l === lo ? { ...lo, alignments: lo.alignments.filter((_, i) => i !== index) } : l));
      },
      'Alignment removed',
      'saved',
    );
  });

  return r;
}
