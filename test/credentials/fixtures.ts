/** Shared test data: a complete, publishable micro-credential definition. */
import type { CourseOutcome, CredentialDefinition, PerformanceLevel, RubricCriterion } from '../../src/credentials/model';

export const ACHIEVEMENT_ID = 'https://microcred.example.edu/achievements/42/versions/3';

export const ISSUER_PROFILE = {
  id: 'https://microcred.example.edu/issuers/example-university',
  type: ['Profile'],
  name: 'Example University',
  url: 'https://www.example.edu',
  address: { type: ['Address'], addressCountryCode: 'NL', addressCountry: 'Netherlands' },
};

/** Levels with rising points; `titles` lowest first. */
export function levels(prefix: string, titles: string[], points?: number[]): PerformanceLevel[] {
  return titles.map((title, index) => ({
    id: `${prefix}-${index + 1}`,
    title,
    descriptor: `Work at level “${title}”.`,
    points: points ? points[index] : index,
  }));
}

export function planCriterion(): RubricCriterion {
  return {
    id: 'crit-plan',
    title: 'Data management plan',
    description: 'The plan covers collection, documentation, storage and archiving.',
    learningOutcomeIds: ['lo-plan'],
    levels: levels('plan', ['Insufficient', 'Developing', 'Competent', 'Excellent']),
    passLevelId: 'plan-3',
    evidence: {
      required: [
        { kind: 'file', count: 1 },
        { kind: 'reflection', count: 1 },
      ],
      allowedFileTypes: ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      maxFileSizeBytes: 10 * 1024 * 1024,
    },
  };
}

export function publishCriterion(): RubricCriterion {
  return {
    id: 'crit-publish',
    title: 'FAIR publication',
    learningOutcomeIds: ['lo-fair'],
    levels: levels('pub', ['Not yet', 'Sufficient', 'Good'], [0, 2, 4]),
    passLevelId: 'pub-2',
    weight: 2,
    evidence: { required: [{ kind: 'link', count: 1 }], allowedFileTypes: [] },
  };
}

export function completeDefinition(): CredentialDefinition {
  return {
    title: 'Research Data Management',
    description: 'Plan, document and publish research data so that others can find and reuse it.',
    code: 'RDM-1',
    language: 'en',
    issuerCountries: ['NL'],
    awardingBodies: [{ id: ISSUER_PROFILE.id, name: 'Example University', url: 'https://www.example.edu' }],
    learningOutcomes: [
      {
        id: 'lo-plan',
        statement: 'I can write a data management plan for a small research project.',
        alignments: [
          {
            kind: 'esco',
            targetName: 'Example ESCO skill',
            // A well-formed ESCO skill URI (the test does not depend on its label).
            targetUrl: 'http://data.europa.eu/esco/skill/bfe4f330-d595-48c7-ab3c-f309471d6953',
          },
          { kind: 'eqf', targetName: 'EQF level 7', targetCode: '7' },
        ],
        mappedCourseOutcomeIds: [1, 2],
      },
      {
        id: 'lo-fair',
        statement: 'I can publish a dataset following the FAIR principles.',
        alignments: [
          { kind: 'isced-f', targetName: 'Information and communication technologies', targetCode: '061' },
          {
            kind: 'custom',
            targetName: 'Findable: (meta)data have a persistent identifier',
            targetFramework: 'FAIR Guiding Principles',
            targetCode: 'F1',
            targetUrl: 'https://www.go-fair.org/fair-principles/f1-meta-data-assigned-globally-unique-persistent-identifiers/',
          },
        ],
        mappedCourseOutcomeIds: [3],
      },
    ],
    workload: { ects: 3, hours: 84 },
    level: { eqfLevel: 7, qfEheaCycle: 'second-cycle' },
    assessmentType: 'portfolio',
    participationType: 'online',
    qualityAssuranceType: 'internal quality assurance',
    qaPolicyUrl: 'https://www.example.edu/quality-assurance',
    prerequisites: 'A bachelor’s degree in any field.',
    supervisionType: 'supervised online',
    gradeShown: true,
    stackability: { kind: 'stackable', towards: 'Graduate certificate in Open Science' },
    furtherInformation: 'See https://www.example.edu/rdm for dates and fees.',
    rubric: { criteria: [planCriterion(), publishCriterion()] },
  };
}

export function courseOutcomes(): CourseOutcome[] {
  return [
    { id: 1, code: 'CO1', title: 'Data management planning', description: '', position: 1, archived: false },
    { id: 2, code: 'CO2', title: 'Research ethics', description: '', position: 2, archived: false },
    { id: 3, code: 'CO3', title: 'Open science', description: '', position: 3, archived: false },
    { id: 4, code: 'CO4', title: 'Statistics refresher', description: '', position: 4, archived: false },
    { id: 5, code: 'CO5', title: 'Old outcome', description: '', position: 5, archived: true },
  ];
}
