// Public transparency pages, no sign-in and no session (nothing here changes state):
//
//   GET /catalogue                 every published micro-credential, searchable (?q= on title or code)
//   GET /catalogue/:credentialId   one offer: Annex I, outcomes, assessment, QA, evaluation, reviews
//   GET /catalogue.json            the same as a machine-readable feed, with each OB 3.0 Achievement
//   GET /quality-policy            the institution's QA policy, as the administrator wrote it
//
// What may be shown is decided in catalogue.ts (no personal data, the privacy floor).
import { type Request, type Response, Router } from 'express';
import type { IssuerProfileStore } from '../issuer/issuerProfile';
import { describeCompletionRule } from '../credentials/completion';
import { ASSESSMENT_TYPES, labelOf } from '../credentials/vocabulary';
import { NotFoundError } from '../errors';
import { parseId } from '../ids';
import type { Catalogue, CatalogueOffer } from './catalogue';

export interface CataloguePagesDeps {
  catalogue: Catalogue;
  issuer: IssuerProfileStore;
  publicUrl: string;
  /** Published pathways with their components and rules (src/pathways/store.ts publicFeed). */
  pathways?: () => Promise<Record<string, unknown>[]>;
}

/** Longest search text taken from ?q=; more is cut off, not refused. */
const MAX_QUERY = 100;

/** Does the offer's title or code contain every word of the query (case-insensitive)? */
export function matchesQuery(offer: Pick<CatalogueOffer, 'definition'>, query: string): boolean {
  const haystack = `${offer.definition.title ?? ''} ${offer.definition.code ?? ''}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

/** Plain text → paragraphs: split at blank lines; single line breaks stay inside a paragraph. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

const day = (d: Date | undefined) => d?.toISOString().slice(0, 10);

export function cataloguePages(deps: CataloguePagesDeps): Router {
  const { catalogue } = deps;
  const r = Router();

  // Public, but not cached for long: a withdrawn credential should leave the list soon.
  const publicPage = (res: Response) => res.setHeader('Cache-Control', 'public, max-age=60');

  r.get('/catalogue', async (req: Request, res: Response) => {
    const q = (typeof req.query.q === 'string' ? req.query.q : '').trim().slice(0, MAX_QUERY);
    const [institution, offers, pathways] = await Promise.all([catalogue.institution(), catalogue.offers(), deps.pathways?.() ?? []]);
    const shown = q ? offers.filter((o) => matchesQuery(o, q)) : offers;
    publicPage(res);
    res.render('qa/catalogue', {
      ...(institution ? { titleKey: 'qa.catalogue.titleFrom', titleParams: { name: institution.name } } : { titleKey: 'qa.catalogue.title' }),
      institution,
      offers: shown,
      total: offers.length,
      q,
      day,
      pathways,
    });
  });

  r.get('/catalogue.json', async (_req: Request, res: Response) => {
    const [feed, pathways] = await Promise.all([catalogue.feed(), deps.pathways?.() ?? []]);
    res.setHeader('Cache-Control', 'public, max-age=300');
    // Public data meant for other systems (registries, wallets, aggregators).
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.type('application/json').send(JSON.stringify({ ...feed, pathways }, null, 2));
  });

  r.get('/catalogue/:credentialId(\\d+)', async (req: Request, res: Response) => {
    const id = parseId(req.params.credentialId);
    const offer = id === undefined ? undefined : await catalogue.detail(id);
    if (!offer) {
      throw new NotFoundError(
        'There is no published micro-credential at this address.',
        'OFFER_NOT_FOUND',
        'It may have been withdrawn or not yet published. The catalogue at /catalogue lists every credential on offer.',
      );
    }
    const def = offer.definition;
    publicPage(res);
    res.render('qa/offer', {
      ...(def.title ? { title: def.title } : { titleKey: 'common.microCredential' }),
      institution: await catalogue.institution(),
      offer,
      def,
      annex: offer.annex,
      assessmentType: def.assessmentType ? labelOf(ASSESSMENT_TYPES, def.assessmentType) : undefined,
      rule: describeCompletionRule(def),
      // Each criterion with the numbers of the outcomes it assesses and its pass level.
      criteria: def.rubric.criteria.map((c) => ({
        title: c.title,
        outcomes: def.learningOutcomes.flatMap((lo, i) => (c.learningOutcomeIds.includes(lo.id) ? [i + 1] : [])),
        passLevel: c.levels.find((l) => l.id === c.passLevelId)?.title,
        levels: c.levels.length,
      })),
      day,
    });
  });

  r.get('/quality-policy', async (_req: Request, res: Response) => {
    const [policy, institution] = await Promise.all([deps.issuer.qaPolicy(), catalogue.institution()]);
    if (!policy || !institution) {
      throw new NotFoundError(
        'This institution has not published a quality-assurance policy here.',
        'NO_QA_POLICY',
        'An administrator can write one in the admin console under “Quality-assurance policy”. Credentials may link to a policy published elsewhere.',
      );
    }
    publicPage(res);
    res.render('qa/quality-policy', { title: policy.title, policy, paragraphs: paragraphs(policy.text), institution, day });
  });

  return r;
}
