import { describeCompletionRule, evaluateCompletion, type CompletionState } from '../../src/credentials/completion';
import { COMPLETION_RULE, type CredentialDefinition } from '../../src/credentials/model';
import { completeDefinition } from './fixtures';

/** A learner who has done everything the fixture asks. */
function metState(): CompletionState {
  return {
    acceptedLevels: { 'crit-plan': 'plan-3', 'crit-publish': 'pub-3' },
    evidence: { 'crit-plan': { file: 1, reflection: 1 }, 'crit-publish': { link: 2 } },
    identityVerification: {
      method: 'online-supervisor',
      identityVerified: true,
      attestedBy: 'J. de Vries (online proctor)',
      attestedAt: '2025-06-12T10:15:00Z',
    },
  };
}

describe('describeCompletionRule', () => {
  it('says the rule in plain words, naming the criteria, pass levels, evidence and identity level', () => {
    expect(describeCompletionRule(completeDefinition())).toEqual([
      'You earn “Research Data Management” when all three of these are true:',
      '1. Every rubric criterion reaches its pass level in an accepted assessment: “Data management plan” at “Competent” (2 points) or higher; “FAIR publication” at “Sufficient” (2 points) or higher.',
      '2. The required evidence is present: for “Data management plan”, 1 file (PDF or Word, at most 10 MB each) and 1 written reflection; for “FAIR publication”, 1 link.',
      '3. The assessment must be supervised online (or on site), and the supervisor must verify the learner’s identity and attest it.',
    ]);
  });

  it('has one sentence per condition of the fixed rule', () => {
    expect(COMPLETION_RULE.allOf).toEqual(['every-criterion-at-pass-level', 'required-evidence-present', 'identity-requirement-met']);
    expect(describeCompletionRule(completeDefinition())).toHaveLength(1 + COMPLETION_RULE.allOf.length);
  });

  it('adapts to criteria without evidence, a top pass level and other supervision types', () => {
    const def = completeDefinition();
    def.rubric.criteria = def.rubric.criteria.map((c) => ({ ...c, evidence: { required: [], allowedFileTypes: [] } }));
    def.rubric.criteria[1] = { ...def.rubric.criteria[1], passLevelId: 'pub-3' };
    def.supervisionType = 'onsite with identity verification';
    const sentences = describeCompletionRule(def);
    expect(sentences[1]).toContain('“FAIR publication” at “Good” (4 points).');
    expect(sentences[2]).toBe('2. No evidence needs to be handed in besides the assessment itself.');
    expect(sentences[3]).toBe('3. The assessment must take place on site, where the learner’s identity document is checked and attested.');

    const some = completeDefinition();
    some.rubric.criteria[1] = { ...some.rubric.criteria[1], evidence: { required: [{ kind: 'open-badge', count: 2 }], allowedFileTypes: [] } };
    some.rubric.criteria[0] = { ...some.rubric.criteria[0], evidence: { required: [], allowedFileTypes: [] } };
    expect(describeCompletionRule(some)[2]).toBe(
      '2. The required evidence is present: for “FAIR publication”, 2 existing Open Badges. “Data management plan” needs no evidence.',
    );

    const unset: CredentialDefinition = { ...completeDefinition(), supervisionType: undefined, title: undefined };
    const words = describeCompletionRule(unset);
    expect(words[0]).toBe('You earn this micro-credential when all three of these are true:');
    expect(words[3]).toBe('3. No supervision or identity verification is required for the assessment.');
  });
});

describe('evaluateCompletion', () => {
  it('is earned when every condition is met', () => {
    expect(evaluateCompletion(completeDefinition(), metState())).toEqual({ earned: true, unmet: [] });
  });

  it('accepts the pass level itself and any level above it', () => {
    const state = metState();
    state.acceptedLevels = { 'crit-plan': 'plan-4', 'crit-publish': 'pub-2' };
    expect(evaluateCompletion(completeDefinition(), state).earned).toBe(true);
  });

  it('is not earned while a criterion has no accepted assessment', () => {
    const state = metState();
    delete state.acceptedLevels['crit-publish'];
    expect(evaluateCompletion(completeDefinition(), state)).toEqual({
      earned: false,
      unmet: [
        {
          condition: 'every-criterion-at-pass-level',
          kind: 'not-assessed',
          criterionId: 'crit-publish',
          message: '“FAIR publication” has no accepted assessment yet.',
        },
      ],
    });
  });

  it('is not earned when a criterion is below its pass level, or assessed at an unknown level', () => {
    const state = metState();
    state.acceptedLevels = { 'crit-plan': 'plan-2', 'crit-publish': 'pub-9' };
    expect(evaluateCompletion(completeDefinition(), state).unmet).toEqual([
      {
        condition: 'every-criterion-at-pass-level',
        kind: 'below-pass-level',
        criterionId: 'crit-plan',
        message: '“Data management plan” reached “Developing” but needs “Competent”.',
      },
      expect.objectContaining({ kind: 'unknown-level', criterionId: 'crit-publish' }),
    ]);
  });

  it('is not earned while required evidence is missing', () => {
    const state = metState();
    state.evidence = { 'crit-plan': { file: 1 } };
    expect(evaluateCompletion(completeDefinition(), state)).toEqual({
      earned: false,
      unmet: [
        {
          condition: 'required-evidence-present',
          kind: 'evidence-missing',
          criterionId: 'crit-plan',
          evidenceKind: 'reflection',
          required: 1,
          present: 0,
          message: '“Data management plan” needs 1 written reflection; 0 are present.',
        },
        {
          condition: 'required-evidence-present',
          kind: 'evidence-missing',
          criterionId: 'crit-publish',
          evidenceKind: 'link',
          required: 1,
          present: 0,
          message: '“FAIR publication” needs 1 link; 0 are present.',
        },
      ],
    });
  });

  it('is not earned without an identity record when the supervision type demands one', () => {
    const state = { ...metState(), identityVerification: undefined };
    expect(evaluateCompletion(completeDefinition(), state)).toEqual({
      earned: false,
      unmet: [expect.objectContaining({ condition: 'identity-requirement-met', kind: 'no-identity-record' })],
    });
  });

  it('is not earned when identity was established in a weaker way than required', () => {
    const state = metState();
    state.identityVerification = { method: 'lms-launch', identityVerified: false };
    expect(evaluateCompletion(completeDefinition(), state).unmet).toEqual([
      {
        condition: 'identity-requirement-met',
        kind: 'method-not-accepted',
        message:
          'The assessment was recorded with an authenticated LMS launch, but this credential needs an online supervisor’s attestation or an on-site identity-document check.',
      },
      {
        condition: 'identity-requirement-met',
        kind: 'identity-not-verified',
        message: 'The learner’s identity was not verified during the assessment.',
      },
      {
        condition: 'identity-requirement-met',
        kind: 'attestation-missing',
        message: 'The record does not say who attested the supervision and when.',
      },
    ]);
  });

  it('demands an on-site check for "onsite with identity verification"', () => {
    const def = { ...completeDefinition(), supervisionType: 'onsite with identity verification' as const };
    expect(evaluateCompletion(def, metState()).unmet.map((u) => u.kind)).toEqual(['method-not-accepted']);
    const onsite = metState();
    onsite.identityVerification = { method: 'onsite-id-check', identityVerified: true, attestedBy: 'Desk', attestedAt: '2025-06-12T09:00:00Z' };
    expect(evaluateCompletion(def, onsite).earned).toBe(true);
  });

  it('needs no identity record when the assessment is unsupervised or the element is not set', () => {
    const state = { ...metState(), identityVerification: undefined };
    expect(evaluateCompletion({ ...completeDefinition(), supervisionType: 'unsupervised with no identity verification' }, state).earned).toBe(true);
    expect(evaluateCompletion({ ...completeDefinition(), supervisionType: undefined }, state).earned).toBe(true);
  });

  it('requires supervision but no identity check for "supervised with no identity verification"', () => {
    const def = { ...completeDefinition(), supervisionType: 'supervised with no identity verification' as const };
    const state = metState();
    state.identityVerification = { method: 'online-supervisor', identityVerified: false, attestedBy: 'Proctor', attestedAt: '2025-06-12T10:00:00Z' };
    expect(evaluateCompletion(def, state).earned).toBe(true);
  });

  it('is never earned from a definition without criteria: no assessment, no micro-credential', () => {
    const def = { ...completeDefinition(), rubric: { criteria: [] } };
    expect(evaluateCompletion(def, metState())).toEqual({
      earned: false,
      unmet: [expect.objectContaining({ condition: 'every-criterion-at-pass-level', kind: 'no-criteria' })],
    });
  });

  it('lists every unmet reason at once, in the order of the rule', () => {
    const result = evaluateCompletion(completeDefinition(), { acceptedLevels: {}, evidence: {} });
    expect(result.earned).toBe(false);
    expect(result.unmet.map((u) => u.condition)).toEqual([
      'every-criterion-at-pass-level',
      'every-criterion-at-pass-level',
      'required-evidence-present',
      'required-evidence-present',
      'required-evidence-present',
      'identity-requirement-met',
    ]);
  });
});
