// The public catalogue (issue 7, transparency): every credential whose current version is
// published, across all courses, with what the EU Recommendation asks institutions to publish
// about it: the Annex I elements, the assessment method, the QA type and policy, aggregate
// evaluation results and the last review.
//
// Everything this module returns may be shown to anyone, so it never carries personal data:
// no creator, publisher, assessor or reviewer (none is selected), no learner, and no count
// of people below the privacy floor (a small count can point at a person): the survey store
// already withholds aggregates below it, and counts are turned into "fewer than 5" here.
import { and, count, eq, inArray } from 'drizzle-orm';
import type { IssuerProfileStore } from '../issuer/issuerProfile';
import { countryName } from '../issuer/country';
import { achievementIssuer } from '../badges/credentialBuilder';
import { didForPublicUrl } from '../badges/issuerIdentity';
import { type PublishedAchievement, publishedAchievement } from '../badges/publishedAchievement';
import type { CredentialDefinition } from '../credentials/model';
import type { Db } from '../db/database';
import { awards, credentialVersions } from '../db/schema';
import { type AnnexIView, annexIView } from './annexI';
import { PRIVACY_FLOOR, type ScaleSummary } from './metrics';
import type { QaStore, ReviewRow, ReviewState, SurveySummary } from './store';

export interface CatalogueInstitution {
  name: string;
  url?: string;
  countryCode: string;
  country?: string;
  qaBodyName?: string;
  qaBodyUrl?: string;
  qaType?: string;
  /** The institution's QA policy address (external page, else /quality-policy). */
  qaPolicyUrl?: string;
}

/** A count of people: exact from the privacy floor up, otherwise only that it is below. */
export type PeopleCount = { count: number } | { fewerThan: number };

/** A survey question's aggregate, present only from the privacy floor up. */
export interface PublicScale {
  responses: number;
  mean: number;
  distribution: Record<number, number>;
}

/** Survey results as the public may see them. Free-text comments are left out: they may name people. */
export interface PublicEvaluation {
  privacyFloor: number;
  /** Right after the award (Kirkpatrick level 1): satisfaction and relevance 1–5, recommend 0–10. */
  afterAward: {
    enoughResponses: boolean;
    responses?: number;
    satisfaction?: PublicScale;
    relevance?: PublicScale;
    recommend?: PublicScale;
    netPromoterScore?: number;
  };
  /** Months later (level 3): how much of the learning was applied, 1–5. */
  followUp: { enoughResponses: boolean; responses?: number; applied?: PublicScale };
}

export interface CatalogueOffer {
  credentialId: number;
  versionNo: number;
  publishedAt?: Date;
  /** The public detail page. */
  url: string;
  definition: CredentialDefinition;
  annex: AnnexIView;
  /** The OB 3.0 Achievement, exactly as served at its own URL. */
  achievement: PublishedAchievement;
  review: ReviewState;
  evaluation: PublicEvaluation;
  awarded: PeopleCount;
}

export interface CatalogueDetail extends CatalogueOffer {
  /** Published reviews, newest first (they name no reviewer). */
  reviews: Omit<ReviewRow, 'credentialId' | 'id'>[];
  /** What changed in the versions learners could earn, oldest first (never who). */
  changes: { action: string; summary: string; at: Date; versionNo: number | null }[];
}

export function peopleCount(n: number): PeopleCount {
  return n >= PRIVACY_FLOOR ? { count: n } : { fewerThan: PRIVACY_FLOOR };
}

function publicScale(s: ScaleSummary): PublicScale | undefined {
  return s.mean !== undefined && s.distribution ? { responses: s.responses, mean: s.mean, distribution: s.distribution } : undefined;
}

export function publicEvaluation(s: SurveySummary | undefined): PublicEvaluation {
  const enoughAward = (s?.awardResponses ?? 0) >= PRIVACY_FLOOR;
  const enoughFollowUp = (s?.followUpResponses ?? 0) >= PRIVACY_FLOOR;
  return {
    privacyFloor: PRIVACY_FLOOR,
    afterAward:
      s && enoughAward
        ? {
            enoughResponses: true,
            responses: s.awardResponses,
            satisfaction: publicScale(s.satisfaction),
            relevance: publicScale(s.relevance),
            recommend: publicScale(s.recommend),
            ...(s.netPromoter !== undefined ? { netPromoterScore: s.netPromoter } : {}),
          }
        : { enoughResponses: false },
    followUp: s && enoughFollowUp ? { enoughResponses: true, responses: s.followUpResponses, applied: publicScale(s.applied) } : { enoughResponses: false },
  };
}

export class Catalogue {
  constructor(
    private readonly db: Db,
    private readonly qa: QaStore,
    private readonly issuer: IssuerProfileStore,
    private readonly publicUrl: string,
  ) {}

  detailUrl(credentialId: number): string {
    return `${this.publicUrl}/catalogue/${credentialId}`;
  }

  async institution(): Promise<CatalogueInstitution | undefined> {
    const p = await this.issuer.get();
    if (!p) return undefined;
    const qaPolicyUrl = await this.issuer.qaPolicyUrl(this.publicUrl, p);
    const country = countryName(p.countryCode);
    return {
      name: p.name,
      ...(p.url ? { url: p.url } : {}),
      countryCode: p.countryCode,
      ...(country ? { country } : {}),
      ...(p.qaBodyName ? { qaBodyName: p.qaBodyName } : {}),
      ...(p.qaBodyUrl ? { qaBodyUrl: p.qaBodyUrl } : {}),
      ...(p.qaType ? { qaType: p.qaType } : {}),
      ...(qaPolicyUrl ? { qaPolicyUrl } : {}),
    };
  }

  /** Every published offer, by title; or the one credential asked for. */
  async offers(onlyCredentialId?: number): Promise<CatalogueOffer[]> {
    const versions = await this.db
      .select({
        credentialId: credentialVersions.credentialId,
        versionNo: credentialVersions.versionNo,
        definition: credentialVersions.definition,
        publishedAt: credentialVersions.publishedAt,
      })
      .from(credentialVersions)
      .where(
        and(eq(credentialVersions.status, 'published'), onlyCredentialId === undefined ? undefined : eq(credentialVersions.credentialId, onlyCredentialId)),
      );
    if (versions.length === 0) return [];
    const ids = versions.map((v) => v.credentialId);
    const [institutionPolicy, issuance, reviews, surveys, awarded] = await Promise.all([
      this.issuer.qaPolicyUrl(this.publicUrl),
      this.issuer.forIssuance(this.publicUrl, didForPublicUrl(this.publicUrl)),
      this.qa.reviewStates(ids),
      this.qa.surveySummaries(ids),
      this.db.select({ credentialId: awards.credentialId, n: count() }).from(awards).where(inArray(awards.credentialId, ids)).groupBy(awards.credentialId),
    ]);
    return versions
      .map((v) => {
        const definition = v.definition;
        return {
          credentialId: v.credentialId,
          versionNo: v.versionNo,
          publishedAt: v.publishedAt ?? undefined,
          url: this.detailUrl(v.credentialId),
          definition,
          annex: annexIView(definition, institutionPolicy),
          // The Achievement its URL serves and issued credentials embed.
          achievement: publishedAchievement(this.publicUrl, v, issuance ? achievementIssuer(issuance) : { did: didForPublicUrl(this.publicUrl) }),
          review: reviews.get(v.credentialId) ?? { overdue: false },
          evaluation: publicEvaluation(surveys.get(v.credentialId)),
          awarded: peopleCount(awarded.find((a) => a.credentialId === v.credentialId)?.n ?? 0),
        };
      })
      .sort((a, b) => (a.definition.title ?? '').localeCompare(b.definition.title ?? '') || a.credentialId - b.credentialId);
  }

  /** One published offer with its reviews and change log; undefined when it is not published. */
  async detail(credentialId: number): Promise<CatalogueDetail | undefined> {
    const [offer] = await this.offers(credentialId);
    if (!offer) return undefined;
    const [reviews, log] = await Promise.all([this.qa.reviews(credentialId), this.qa.changeLog(credentialId)]);
    return {
      ...offer,
      reviews: reviews.map(({ versionNo, summary, changesMade, reviewedAt }) => ({ versionNo, summary, changesMade, reviewedAt })),
      // Drafts are not public: only changes to versions that were published up to the current one.
      changes: log.filter((c) => c.versionNo !== null && c.versionNo <= offer.versionNo && c.action !== 'created'),
    };
  }

  /** The machine-readable feed: each offer's Achievement and Annex I elements. */
  async feed(now = new Date()): Promise<Record<string, unknown>> {
    const [institution, offers] = await Promise.all([this.institution(), this.offers()]);
    return {
      institution: institution
        ? {
            name: institution.name,
            url: institution.url ?? null,
            country: institution.countryCode,
            qaPolicyUrl: institution.qaPolicyUrl ?? null,
            qaType: institution.qaType ?? null,
            qaBody: institution.qaBodyName ? { name: institution.qaBodyName, url: institution.qaBodyUrl ?? null } : null,
          }
        : null,
      generatedAt: now.toISOString(),
      privacyFloor: PRIVACY_FLOOR,
      offers: offers.map((o) => ({
        id: o.url,
        credentialId: o.credentialId,
        version: o.versionNo,
        publishedAt: o.publishedAt?.toISOString() ?? null,
        achievement: o.achievement,
        annexI: o.annex.data,
        awarded: o.awarded,
        evaluation: o.evaluation,
        lastReviewedAt: o.review.lastReviewedAt?.toISOString() ?? null,
        reviewDueAt: o.review.dueAt?.toISOString() ?? null,
        reviewOverdue: o.review.overdue,
      })),
    };
  }
}
