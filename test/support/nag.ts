import { IConstruct } from 'constructs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';

/** The cdk-nag packs pendant is checked with: AWS Solutions, and the HIPAA, NIST 800-53 rev. 5 and PCI DSS 3.2.1 compliance packs. */
export const NAG_PACKS: ReadonlyArray<readonly [string, () => NagPack]> = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['HIPAA.Security', () => new HIPAASecurityChecks()],
  ['NIST.800.53.R5', () => new NIST80053R5Checks()],
  ['PCI.DSS.321', () => new PCIDSS321Checks()],
];

/** What `pack` finds in `scope` on constructs whose path contains `pathPart`, each as `<rule> <construct path>`. */
export function nagFindingsUnder(scope: IConstruct, pack: NagPack, pathPart: string): string[] {
  return pack
    .validateScope(scope)
    .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath ?? ''}`))
    .filter((finding) => finding.includes(pathPart));
}
