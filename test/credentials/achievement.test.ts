import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import {
  achievementCredentialContexts,
  buildAchievement,
  criteriaNarrative,
  toOb3Alignment,
  validateAchievement,
  type Ob3ResultDescription,
} from '../../src/credentials/achievement';
import { emptyDefinition } from '../../src/credentials/defaults';
import { ACHIEVEMENT_ID, ISSUER_PROFILE, completeDefinition } from './fixtures';

const CONFORMANCE = path.resolve(__dirname, '../../../shared/conformance');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(CONFORMANCE, file), 'utf8')) as Record<string, any>;

const IMAGE = { id: 'https://microcred.example.edu/images/rdm.png', caption: 'Research Data Management badge' };

function build(def = completeDefinition()) {
  return buildAchievement(def, { id: ACHIEVEMENT_ID, creator: ISSUER_PROFILE, image: IMAGE, version: '3' });
}

/**
 * A fresh ajv for the edubadges schemas: both files carry the same $id, so never share
 * one instance. Their `minItems` without `type: array` trips ajv's strictTypes: off.
 */
function compileEdubadges(schema: Record<string, any>) {
  const ajv = new Ajv2019({ allErrors: true, strictTuples: false, strictTypes: false });
  addFormats(ajv);
  const { $id: _ignored, ...withoutId } = schema;
  return ajv.compile(withoutId);
}

describe('buildAchievement', () => {
  it('builds an Achievement that validates against the official OB 3.0 Achievement definition', () => {
    const result = validateAchievement(build());
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('validates against edubadges’ micro-credential achievement schema and its ECTS schema', () => {
    const achievement = build();
    const microcredential = readJson('edubadges/microcredential.json');
    const ects = readJson('edubadges/microcredential_ects.json');
    const achievementPart = microcredential.properties.credentialSubject.properties.achievement;
    const ectsPart = ects.properties.credentialSubject.properties.achievement;

    const validateMc = compileEdubadges(achievementPart);
    expect(validateMc(achievement) ? [] : validateMc.errors).toEqual([]);
    const validateEcts = compileEdubadges(ectsPart);
    expect(validateEcts(achievement) ? [] : validateEcts.errors).toEqual([]);
  });

  it('uses edubadges’ property names and values for the Annex I elements', () => {
    const achievement = build();
    const example = readJson('edubadges/example_microcredential.json').credentialSubject.achievement;
    // Every edubadges-specific property of the example is present with the same JSON type.
    for (const property of ['participationType', 'assessmentType', 'identityChecked', 'supervisionType', 'ECTS', 'inLanguage']) {
      expect(achievement).toHaveProperty(property);
      expect(typeof achievement[property]).toBe(typeof example[property]);
    }
    expect(achievement.type).toEqual(expect.arrayContaining(example.type));
    expect(achievement).toMatchObject({
      achievementType: 'MicroCredential',
      participationType: 'online',
      assessmentType: 'portfolio',
      supervisionType: 'supervised online',
      identityChecked: true,
      ECTS: 3,
      creditsAvailable: 3,
      timeInvestment: 84,
      inLanguage: 'en',
      humanCode: 'RDM-1',
      version: '3',
      issuerCountry: ['NL'],
      qualityAssuranceType: 'internal quality assurance',
      prerequisites: 'A bachelor’s degree in any field.',
      stackability: 'stackable',
      stackableTowards: 'Graduate certificate in Open Science',
    });
    // EQF and quality assurance as edubadges writes them: ext: alignments.
    const alignment = achievement.alignment as { targetType?: string; targetCode?: string; targetUrl?: string }[];
    expect(alignment).toContainEqual(expect.objectContaining({ targetType: 'ext:EQF', targetCode: '7', targetUrl: 'http://data.europa.eu/snb/eqf/7' }));
    expect(alignment).toContainEqual(expect.objectContaining({ targetType: 'ext:QualityAssurance', targetUrl: 'https://www.example.edu/quality-assurance' }));
  });

  it('a complete OpenBadgeCredential around it passes the OB 3.0 schema and both edubadges schemas', () => {
    const achievement = build();
    const firstCriterion = (achievement.resultDescription as Ob3ResultDescription[])[0];
    const credential = {
      '@context': achievementCredentialContexts('https://microcred.example.edu'),
      id: 'https://microcred.example.edu/credentials/7f1c',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: ISSUER_PROFILE,
      validFrom: '2025-06-30T00:00:00Z',
      name: achievement.name,
      credentialSubject: {
        id: 'did:example:learner-1',
        type: ['AchievementSubject'],
        achievement,
        result: [{ type: ['Result'], resultDescription: firstCriterion.id, achievedLevel: firstCriterion.requiredLevel }],
      },
    };
    const ob3 = readJson('ob3/ob_v3p0_achievementcredential_schema.json');
    const ajv = new Ajv2019({ allErrors: true, strictTuples: false });
    addFormats(ajv);
    const validateOb3 = ajv.compile(ob3);
    expect(validateOb3(credential) ? [] : validateOb3.errors).toEqual([]);
    for (const file of ['edubadges/microcredential.json', 'edubadges/microcredential_ects.json']) {
      const validate = compileEdubadges(readJson(file));
      expect(validate(credential) ? [] : validate.errors).toEqual([]);
    }
  });

  it('turns each rubric criterion into a RubricCriterionLevel result description with its pass level', () => {
    const descriptions = build().resultDescription as Ob3ResultDescription[];
    const plan = descriptions.find((d) => d.name === 'Data management plan');
    expect(plan).toMatchObject({
      type: ['ResultDescription'],
      resultType: 'RubricCriterionLevel',
      requiredLevel: `${ACHIEVEMENT_ID}#criterion-crit-plan-level-plan-3`,
    });
    expect(plan?.rubricCriterionLevel?.map((l) => [l.name, l.points, l.level])).toEqual([
      ['Insufficient', '0', '1 of 4'],
      ['Developing', '1', '2 of 4'],
      ['Competent', '2', '3 of 4'],
      ['Excellent', '3', '4 of 4'],
    ]);
    // The pass level is one of the criterion's own levels.
    expect(plan?.rubricCriterionLevel?.map((l) => l.id)).toContain(plan?.requiredLevel);
    // The criterion points at the learning outcome it assesses.
    expect(plan?.alignment).toEqual([expect.objectContaining({ targetType: 'ext:LearningOutcome', targetUrl: `${ACHIEVEMENT_ID}#learning-outcome-lo-plan` })]);
    const publish = descriptions.find((d) => d.name === 'FAIR publication');
    expect(publish?.weight).toBe(2);
  });

  it('adds a grade result description (weighted rubric score) only when the grade is shown', () => {
    const shown = build().resultDescription as Ob3ResultDescription[];
    // Plan 0–3, publish 0–4 with weight 2: 0–11.
    expect(shown).toContainEqual(expect.objectContaining({ resultType: 'RubricScore', valueMin: '0', valueMax: '11' }));
    const hidden = build({ ...completeDefinition(), gradeShown: false }).resultDescription as Ob3ResultDescription[];
    expect(hidden.some((d) => d.resultType === 'RubricScore')).toBe(false);
    expect(hidden).toHaveLength(2);
  });

  it('writes the criteria narrative from the rubric, the pass levels and the completion rule', () => {
    const narrative = build().criteria.narrative;
    expect(narrative).toContain('## Learning outcomes');
    expect(narrative).toContain('1. I can write a data management plan for a small research project.');
    expect(narrative).toContain('### Data management plan');
    expect(narrative).toContain('- Competent (2 points) **(pass level)**');
    expect(narrative).toContain('Evidence: 1 file (PDF or Word, at most 10 MB each) and 1 written reflection.');
    expect(narrative).toContain('## Completion rule');
    expect(narrative).toContain('“FAIR publication” at “Sufficient” (2 points) or higher');
    expect(criteriaNarrative(completeDefinition())).toBe(narrative);
  });

  it('maps learning-outcome alignments to valid OB 3.0 alignments with EU URIs filled in', () => {
    expect(toOb3Alignment({ kind: 'eqf', targetName: 'EQF level 5', targetCode: '5' })).toMatchObject({
      targetUrl: 'http://data.europa.eu/snb/eqf/5',
      targetType: 'ext:EQF',
    });
    expect(toOb3Alignment({ kind: 'isced-f', targetName: 'Software', targetCode: '0613' })).toMatchObject({
      targetUrl: 'http://data.europa.eu/snb/isced-f/0613',
      targetType: 'ext:ISCEDF',
    });
    expect(
      toOb3Alignment({ kind: 'esco', targetName: 'An occupation', targetUrl: 'http://data.europa.eu/esco/occupation/528f90ed-e250-48bd-aacc-ffb7b1de5654' }),
    ).toMatchObject({ targetType: 'ext:ESCOOccupation', targetFramework: 'ESCO' });
    expect(toOb3Alignment({ kind: 'nqf', targetName: 'NLQF 6', targetFramework: 'NLQF', targetCode: '6' }).targetUrl).toMatch(/^https:/);
  });

  it('leaves out what a draft does not have, instead of inventing it', () => {
    const draft = { ...emptyDefinition(), title: 'Only a title' };
    const achievement = buildAchievement(draft, { id: ACHIEVEMENT_ID, creator: ISSUER_PROFILE });
    expect(achievement.name).toBe('Only a title');
    expect(achievement).not.toHaveProperty('ECTS');
    expect(achievement).not.toHaveProperty('assessmentType');
    expect(achievement).not.toHaveProperty('resultDescription');
    expect(achievement.identityChecked).toBe(false);
    // Still a valid OB 3.0 Achievement: only id, type, name, description and criteria are required.
    expect(validateAchievement(achievement)).toEqual({ valid: true, errors: [] });
  });
});

describe('validateAchievement', () => {
  it('rejects an Achievement without a name, saying so in words', () => {
    const draft = { ...completeDefinition(), title: undefined };
    const achievement = build(draft);
    expect(achievement).not.toHaveProperty('name');
    const result = validateAchievement(achievement);
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([{ path: 'achievement', message: '“achievement” is missing the required property “name”.' }]);
  });

  it('explains a targetType outside the OB 3.0 vocabulary, a missing targetUrl and a bad language code', () => {
    const achievement = {
      ...build(),
      inLanguage: 'English',
      alignment: [{ type: ['Alignment'], targetName: 'A skill', targetType: 'ceterms:Skill' }],
    };
    const { valid, errors } = validateAchievement(achievement);
    expect(valid).toBe(false);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'achievement.alignment[0]', message: '“achievement.alignment[0]” is missing the required property “targetUrl”.' },
        {
          path: 'achievement.alignment[0].targetType',
          message: expect.stringContaining('must be one of: ceasn:Competency, ceterms:Credential, CFItem'),
        },
        { path: 'achievement.inLanguage', message: '“achievement.inLanguage” must be a language code such as “en” or “nl-NL”.' },
      ]),
    );
    // One message per problem: the failed oneOf alternatives are folded into one.
    expect(errors.filter((e) => e.path === 'achievement.alignment[0].targetType')).toHaveLength(1);
  });

  it('rejects something that is not an Achievement at all', () => {
    const { valid, errors } = validateAchievement({ type: ['Badge'] });
    expect(valid).toBe(false);
    expect(errors.map((e) => e.message)).toEqual(
      expect.arrayContaining(['“achievement” is missing the required property “id”.', '“achievement.type” must include “Achievement”.']),
    );
  });
});

describe('vendored OB 3.0 schema', () => {
  const vendored = path.resolve(__dirname, '../../src/credentials/schemas/ob_v3p0_achievementcredential_schema.json');
  const conformance = path.join(CONFORMANCE, 'ob3/ob_v3p0_achievementcredential_schema.json');

  it('is identical to the conformance copy', () => {
    expect(readFileSync(vendored, 'utf8')).toBe(readFileSync(conformance, 'utf8'));
  });
});
