// Pages for micro-credentials inside a launch: /app/:launchId/credentials…
// Course staff create and edit drafts, see the readiness panel and publish; learners
// see published versions only. Learning outcomes and the rubric have their own pages.
import type { Request, Response, Router } from 'express';
import type { IssuerProfileStore } from '../issuer/issuerProfile';
import { can, requireCapability } from '../web/authz';
import { annexIView } from '../qa/annexI';
import { idParam } from '../web/params';
import { csrfToken } from '../web/csrf';
import { AppError, NotFoundError } from '../errors';
import { buildAchievement, validateAchievement } from './achievement';
import { describeCompletionRule } from './completion';
import { emptyDefinition, withIssuerDefaults } from './defaults';
import { definitionFromForm, errorsForForm, formFromDefinition } from './definitionForm';
import { checkReadiness } from './readiness';
import type { CredentialVersionRow, CredentialStore } from './store';
import { parseDraft, versionLockOf } from './validation';
import {
  ASSESSMENT_TYPES,
  EQF_LEVELS,
  PARTICIPATION_TYPES,
  QF_EHEA_CYCLES,
  QUALITY_ASSURANCE_SUGGESTIONS,
  STACKABILITY_OPTIONS,
  SUPERVISION_TYPES,
} from './vocabulary';
import { courseOf, launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';

const vocab = { ASSESSMENT_TYPES, EQF_LEVELS, PARTICIPATION_TYPES, QF_EHEA_CYCLES, QUALITY_ASSURANCE_SUGGESTIONS, STACKABILITY_OPTIONS, SUPERVISION_TYPES };

const definitionOf = (v: CredentialVersionRow) => v.definition;

export interface CredentialPagesDeps {
  credentials: CredentialStore;
  issuer: IssuerProfileStore;
  publicUrl: string;
}

export function credentialPages({ credentials: store, issuer, publicUrl }: CredentialPagesDeps): Router {
  const r = launchPageRouter({ access: 'course:read', formLimit: '256kb' });

  const designer = (req: Request) => can(launchOf(req), 'course:design');
  const credId = (req: Request) => idParam(req, 'credentialId', 'That credential does not exist in this course.');
  const achievementFor = (req: Request, id: number, version: CredentialVersionRow) => {
    const def = definitionOf(version);
    const body = def.awardingBodies?.[0];
    return buildAchievement(def, {
      id: `${publicUrl}/credentials/${id}/versions/${version.versionNo}`,
      version: String(version.versionNo),
      // The awarding body stands in for the creator until the badges work publishes the issuer Profile.
      creator: { id: body?.id ?? `${publicUrl}/issuer`, type: ['Profile'], name: body?.name ?? 'Issuer', ...(body?.url ? { url: body.url } : {}) },
    });
  };

  r.get('/', async (req, res) => {
    const list = await store.listForCourse(courseOf(req), { publishedOnly: !designer(req) });
    res.render('credentials/list', {
      titleKey: 'credentials.list.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      list,
      designer: designer(req),
    });
  });

  r.post('/', requireCapability('course:design'), async (req, res) => {
    // Issuer country/region and awarding body start from the institution's issuer profile.
    const profile = await issuer.forCredentials(publicUrl);
    const definition = profile ? withIssuerDefaults(emptyDefinition(), profile) : emptyDefinition();
    const { credentialId } = await store.create(courseOf(req), launchOf(req).userId, definition);
    res.redirect(303, `${launchBase(req)}/credentials/${credentialId}/edit`);
  });

  r.get('/:credentialId', async (req, res) => {
    const id = credId(req);
    const cred = await store.get(courseOf(req), id, { publishedOnly: !designer(req) });
    const shown = designer(req) ? (cred.draft ?? cred.published)! : cred.published!;
    const def = definitionOf(shown);
    res.render('credentials/show', {
      title: def.title,
      titleKey: def.title ? undefined : 'credentials.common.untitled',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      id,
      version: shown,
      cred,
      def,
      designer: designer(req),
      readiness: checkReadiness(def),
      rule: describeCompletionRule(def),
      // The credential's own QA policy link, else the institution's.
      annex: annexIView(def, await issuer.qaPolicyUrl(publicUrl)),
      changes: designer(req) ? await store.changeLog(courseOf(req), id) : [],
      vocab,
      notice: req.query.notice,
    });
  });

  /** The OB 3.0 Achievement that issued credentials of this version will carry. */
  r.get('/:credentialId/achievement.json', async (req, res) => {
    const id = credId(req);
    const cred = await store.get(courseOf(req), id, { publishedOnly: !designer(req) });
    const shown = designer(req) ? (cred.draft ?? cred.published)! : cred.published!;
    const achievement = achievementFor(req, id, shown);
    res.setHeader('X-Schema-Valid', String(validateAchievement(achievement).valid));
    res.type('application/json').send(JSON.stringify(achievement, null, 2));
  });

  const editPage = (
    req: Request,
    res: Response,
    l: { id: number; version: CredentialVersionRow; values: Record<string, string>; errors: Record<string, string> },
    status = 200,
  ) =>
    res
      .status(status)
      .render('credentials/edit', { titleKey: 'credentials.edit.title', launch: req.launch, base: launchBase(req), csrf: csrfToken(req), vocab, ...l });

  r.get('/:credentialId/edit', requireCapability('course:design'), async (req, res) => {
    const id = credId(req);
    const cred = await store.get(courseOf(req), id);
    const version = (cred.draft ?? cred.published)!;
    editPage(req, res, { id, version, values: formFromDefinition(definitionOf(version)), errors: {} });
  });

  r.post('/:credentialId', requireCapability('course:design'), async (req, res) => {
    const id = credId(req);
    const lock = versionLockOf(req.body);
    const cred = await store.get(courseOf(req), id);
    const edited = cred.versions.find((v) => v.id === lock.versionId);
    if (!edited) throw new NotFoundError('That version of the credential does not exist.');
    const parsed = parseDraft(definitionFromForm(req.body, definitionOf(edited)));
    if (!parsed.ok) return editPage(req, res, { id, version: edited, values: req.body, errors: errorsForForm(parsed.errors) }, 422);
    try {
      await store.saveDraft(courseOf(req), id, lock, parsed.value, launchOf(req).userId);
    } catch (e) {
      if (e instanceof AppError && e.status === 409)
        return editPage(req, res, { id, version: edited, values: req.body, errors: { _form: `${e.message} ${e.hint ?? ''}` } }, 409);
      throw e;
    }
    res.redirect(303, `${launchBase(req)}/credentials/${id}?notice=saved`);
  });

  r.post('/:credentialId/publish', requireCapability('course:design'), async (req, res) => {
    const id = credId(req);
    const lock = versionLockOf(req.body);
    await store.publish(courseOf(req), id, lock, launchOf(req).userId, (definition) => {
      const report = checkReadiness(definition);
      if (!report.ready) {
        throw new AppError(
          `This credential cannot be published yet: ${report.issues.length} thing(s) are missing.`,
          422,
          'NOT_READY',
          'The readiness panel lists each one with a link to its field.',
        );
      }
    });
    res.redirect(303, `${launchBase(req)}/credentials/${id}?notice=published`);
  });

  return r;
}
