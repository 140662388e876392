// "My pathways" inside any launch (/app/<launchId>/pathways): the pathways a learner follows
// or whose components they hold, progress by rule, credits, what is still missing and where it
// is offered; following a pathway; bringing an external Open Badge (verified as prior learning
// is, then approved by a coordinator); and the learner's record as a CLR 2.0 download.
import type { Request, Response } from 'express';
import type { PriorBadgeReport } from '../assessment/priorBadge';
import { verifyPriorBadge } from '../assessment/priorBadge';
import type { VerificationReport } from '../badges/verify';
import { csrfToken } from '../web/csrf';
import { launchBase, launchOf } from '../web/launchContext';
import { launchPageRouter } from '../web/launchPageRouter';
import { idParam } from '../web/params';
import type { PathwayStore } from './store';

export interface LearnerPathwayDeps {
  pathways: PathwayStore;
  /** The app's verifier (src/badges/verifier.ts): an external badge comes from the learner. */
  verify: (input: string) => Promise<VerificationReport>;
}

const NOTICES = new Set(['followed', 'unfollowed', 'external-added']);

export function learnerPathwayPages({ pathways, verify }: LearnerPathwayDeps) {
  const r = launchPageRouter({ access: 'course:learn', formLimit: '1mb' });

  const render = async (req: Request, res: Response, extra: { externalError?: string; pasted?: string; status?: number } = {}) => {
    const learnerId = launchOf(req).userId;
    const [mine, published, external] = await Promise.all([
      pathways.forLearner(learnerId),
      pathways.list({ publishedOnly: true }),
      pathways.externalFor(learnerId),
    ]);
    const missingIds = mine.flatMap((p) =>
      p.progress.components
        .filter((c) => c.state !== 'earned' && c.component.ref.type === 'internal')
        .map((c) => (c.component.ref as { credentialId: number }).credentialId),
    );
    const offering = await pathways.offeringCourses([...new Set(missingIds)]);
    res.status(extra.status ?? 200).render('pathways/mine', {
      titleKey: 'pathways.mine.title',
      launch: req.launch,
      base: launchBase(req),
      csrf: csrfToken(req),
      mine,
      others: published.filter((p) => !mine.some((m) => m.pathway.id === p.id)),
      external,
      offering,
      notice: typeof req.query.notice === 'string' && NOTICES.has(req.query.notice) ? req.query.notice : undefined,
      externalError: extra.externalError,
      pasted: extra.pasted ?? '',
    });
  };

  r.get('/', async (req, res) => render(req, res));

  r.post('/:id/:action(follow|unfollow)', async (req, res) => {
    const follow = req.params.action === 'follow';
    await pathways.follow(idParam(req, 'id', 'That pathway does not exist.'), launchOf(req).userId, follow);
    res.redirect(303, `${launchBase(req)}/pathways?notice=${follow ? 'followed' : 'unfollowed'}`);
  });

  // An Open Badges 3.0 credential from another issuer: verified now, counted once a coordinator approves it.
  r.post('/external', async (req, res) => {
    const pasted = typeof req.body.credential === 'string' ? req.body.credential.trim() : '';
    if (!pasted) return render(req, res, { externalError: 'Paste the Open Badge (JSON or JWT) you want to bring.', status: 422 });
    const vr = await verify(pasted);
    const report: PriorBadgeReport = await verifyPriorBadge(pasted, async () => vr);
    const credential = vr.credential as Record<string, unknown> | undefined;
    const subject = credential?.credentialSubject as Record<string, unknown> | undefined;
    const achievement = subject?.achievement as Record<string, unknown> | undefined;
    const issuerId = vr.summary.issuerId;
    if (!report.verified || !credential || !issuerId || typeof achievement?.id !== 'string') {
      const why = report.problems.length ? report.problems.join(' ') : 'It names no issuer or no achievement id.';
      return render(req, res, { externalError: `That credential could not be verified: ${why}`, pasted, status: 422 });
    }
    const credits = typeof subject?.creditsEarned === 'number' ? subject.creditsEarned : undefined;
    await pathways.addExternal(launchOf(req).userId, {
      credentialKey: typeof credential.id === 'string' ? credential.id : `sha:${issuerId}:${achievement.id}:${String(credential.validFrom)}`,
      issuerId,
      achievementId: achievement.id,
      achievementName: typeof achievement.name === 'string' ? achievement.name : achievement.id,
      credential,
      report,
      ...(credits !== undefined ? { credits } : {}),
      issuedAt: new Date(String(credential.validFrom ?? credential.issuanceDate ?? new Date().toISOString())),
      ...(typeof credential.validUntil === 'string' ? { validUntil: new Date(credential.validUntil) } : {}),
    });
    res.redirect(303, `${launchBase(req)}/pathways?notice=external-added`);
  });

  // The learner's record: a fresh signed ClrCredential, JSON-LD or JWT.
  r.get('/record.:form(json|jwt)', async (req, res) => {
    const { credential, jwt } = await pathways.clrFor(launchOf(req).userId);
    const day = new Date().toISOString().slice(0, 10);
    res.set('cache-control', 'no-store');
    if (req.params.form === 'jwt') {
      res.set('content-disposition', `attachment; filename="learner-record-${day}.jwt"`);
      return res.type('application/vc+jwt').send(jwt);
    }
    res.set('content-disposition', `attachment; filename="learner-record-${day}.json"`);
    res.type('application/vc+ld+json').send(JSON.stringify(credential, null, 2));
  });

  return r;
}
