/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type BootEventKind =
  | 'DHCP'
  | 'HTTP'
  | 'TFTP';

export type BuildStatus =
  | 'DONE'
  | 'FAILED'
  | 'QUEUED'
  | 'WORKING';

export type CreateGrubInput = {
  /** x64 | x86 */
  architecture: string;
  extension?: string | null | undefined;
  /** img (grub.img) | efi (grub.zip) */
  fragment: string;
  /** volume label of the medium GRUB searches for (at most 32 characters) */
  label: string;
  platform?: string | null | undefined;
};

export type CreateIpxeInput = {
  /** e.g. ipxe, snponly, undionly */
  driver: string;
  /** e.g. efi, kpxe, lkrn */
  extension: string;
  /** e.g. bin-x86_64-efi, bin-x86_64-pcbios, bin-arm64-efi, bin */
  platform: string;
  /** iPXE script run at start; #!ipxe is added when missing */
  script: string;
};

/** Each input is a build id of this server, or (the seed's …Url fields) its /artifacts/ URL. */
export type CreateIsoInput = {
  grubEfiX64?: string | null | undefined;
  grubEfiX64Url?: string | null | undefined;
  grubEfiX86?: string | null | undefined;
  grubEfiX86Url?: string | null | undefined;
  grubImg?: string | null | undefined;
  grubImgUrl?: string | null | undefined;
  ipxeBios?: string | null | undefined;
  ipxeBiosUrl?: string | null | undefined;
  ipxeUefi?: string | null | undefined;
  ipxeUefiUrl?: string | null | undefined;
  isohdpfxBin?: string | null | undefined;
  isohdpfxBinUrl?: string | null | undefined;
  isolinuxBin?: string | null | undefined;
  isolinuxBinUrl?: string | null | undefined;
  /** volume id of the ISO (at most 32 characters) */
  label: string;
  ldLinux?: string | null | undefined;
  ldLinuxUrl?: string | null | undefined;
};

export type CreateSyslinuxInput = {
  /** ldlinux.c32 | isolinux.bin | isohdpfx.bin */
  fragment: string;
};

export type KeyAlgorithm =
  | 'ECDSA'
  | 'ED25519'
  | 'RSA';

export type RunScriptInput = {
  localnodeId: string;
  /** used for this run only, in memory; never stored */
  privateKey: string;
  script: string;
  user?: string | null | undefined;
};

export type ScriptRunStatus =
  | 'DONE'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING';

export type UpdateDistributorInput = {
  /** network interface to serve, e.g. eth0 */
  device?: string | null | undefined;
  id: string;
  /** iPXE build for BIOS PXE (bin-x86_64-pcbios, undionly or ipxe, kpxe) */
  ipxeBios?: string | null | undefined;
  ipxePxeBiosUrl?: string | null | undefined;
  /** the seed's name: that build's /artifacts/ URL */
  ipxePxeUefiUrl?: string | null | undefined;
  /** iPXE build for UEFI PXE (bin-x86_64-efi, ipxe or snponly) */
  ipxeUefi?: string | null | undefined;
  /** the LAN, e.g. 192.168.178.1 (/24) or 10.99.0.0/24 */
  range?: string | null | undefined;
};

type ConsoleBuild_Grub_Fragment = { __typename: 'Grub', label: string, architecture: string, fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> };

type ConsoleBuild_Ipxe_Fragment = { __typename: 'Ipxe', platform: string, driver: string, extension: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> };

type ConsoleBuild_Iso_Fragment = { __typename: 'Iso', label: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> };

type ConsoleBuild_Syslinux_Fragment = { __typename: 'Syslinux', fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> };

export type ConsoleBuildFragment =
  | ConsoleBuild_Grub_Fragment
  | ConsoleBuild_Ipxe_Fragment
  | ConsoleBuild_Iso_Fragment
  | ConsoleBuild_Syslinux_Fragment
;

export type ConsoleIpxesQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleIpxesQuery = { page: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { __typename: 'Ipxe', platform: string, driver: string, extension: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } }> } };

export type ConsoleGrubsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleGrubsQuery = { page: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { __typename: 'Grub', label: string, architecture: string, fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } }> } };

export type ConsoleSyslinuxsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleSyslinuxsQuery = { page: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { __typename: 'Syslinux', fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } }> } };

export type ConsoleIsosQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleIsosQuery = { page: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { __typename: 'Iso', label: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } }> } };

export type ConsoleBuildChangesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConsoleBuildChangesSubscription = { builds:
    | { __typename: 'Grub', label: string, architecture: string, fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> }
    | { __typename: 'Ipxe', platform: string, driver: string, extension: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> }
    | { __typename: 'Iso', label: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> }
    | { __typename: 'Syslinux', fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> }
   };

export type ConsoleCreateIpxeMutationVariables = Exact<{
  input: CreateIpxeInput;
}>;


export type ConsoleCreateIpxeMutation = { createIpxe: { __typename: 'Ipxe', platform: string, driver: string, extension: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } };

export type ConsoleCreateGrubMutationVariables = Exact<{
  input: CreateGrubInput;
}>;


export type ConsoleCreateGrubMutation = { createGrub: { __typename: 'Grub', label: string, architecture: string, fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } };

export type ConsoleCreateSyslinuxMutationVariables = Exact<{
  input: CreateSyslinuxInput;
}>;


export type ConsoleCreateSyslinuxMutation = { createSyslinux: { __typename: 'Syslinux', fragment: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } };

export type ConsoleCreateIsoMutationVariables = Exact<{
  input: CreateIsoInput;
}>;


export type ConsoleCreateIsoMutation = { createIso: { __typename: 'Iso', label: string, id: string, artifactId: string, status: BuildStatus, progress: number, error: string | null, createdAt: string, files: Array<{ name: string, url: string, size: number, sha256: string }> } };

export type ConsoleBootEventFragment = { at: string, distributorId: string, mac: string | null, ip: string | null, kind: BootEventKind, detail: string };

export type ConsoleDistributorFragment = { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null };

export type ConsoleDistributorsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleDistributorsQuery = { distributors: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null } }> } };

export type ConsoleDistributorQueryVariables = Exact<{
  id: string;
}>;


export type ConsoleDistributorQuery = { distributor: { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null, events: Array<{ at: string, distributorId: string, mac: string | null, ip: string | null, kind: BootEventKind, detail: string }> } | null };

export type ConsoleCreateDistributorTokenMutationVariables = Exact<{
  artifactId: string;
  name: string;
}>;


export type ConsoleCreateDistributorTokenMutation = { createDistributorToken: { token: string, distributor: { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null } } };

export type ConsoleUpdateDistributorMutationVariables = Exact<{
  input: UpdateDistributorInput;
}>;


export type ConsoleUpdateDistributorMutation = { updateDistributor: { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null } };

export type ConsoleSetDistributorStatusMutationVariables = Exact<{
  id: string;
  on: boolean;
}>;


export type ConsoleSetDistributorStatusMutation = { setDistributorStatus: { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null } };

export type ConsoleBootEventsSubscriptionVariables = Exact<{
  artifactId: string;
}>;


export type ConsoleBootEventsSubscription = { bootEvents: { at: string, distributorId: string, mac: string | null, ip: string | null, kind: BootEventKind, detail: string } };

export type ConsoleDistributorChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConsoleDistributorChangedSubscription = { distributorChanged: { id: string, distributor: { id: string, artifactId: string, name: string, online: boolean, lastSeenAt: string | null, on: boolean, device: string | null, range: string | null, ipxeUefi: string | null, ipxeBios: string | null, configError: string | null, configErrorAt: string | null } | null } };

export type ConsoleNodeFragment = { id: string, ip: string, artifactId: string, pingable: boolean, hostKey: string | null, registeredAt: string, lastSeenAt: string };

export type ConsoleNodesQueryVariables = Exact<{
  artifactId?: string | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsoleNodesQuery = { localnodes: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, ip: string, artifactId: string, pingable: boolean, hostKey: string | null, registeredAt: string, lastSeenAt: string } }> } };

export type ConsoleNodeRegisteredSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConsoleNodeRegisteredSubscription = { localnodeRegistered: { id: string, ip: string, artifactId: string, pingable: boolean, hostKey: string | null, registeredAt: string, lastSeenAt: string } };

export type ConsolePingNodeMutationVariables = Exact<{
  id: string;
}>;


export type ConsolePingNodeMutation = { pingLocalnode: { id: string, ip: string, artifactId: string, pingable: boolean, hostKey: string | null, registeredAt: string, lastSeenAt: string } };

export type ConsoleResetHostKeyMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleResetHostKeyMutation = { resetHostKey: { id: string, ip: string, artifactId: string, pingable: boolean, hostKey: string | null, registeredAt: string, lastSeenAt: string } };

export type ConsoleRunScriptMutationVariables = Exact<{
  input: RunScriptInput;
}>;


export type ConsoleRunScriptMutation = { runScript: { id: string, status: ScriptRunStatus, exitCode: number | null, output: string, error: string | null } };

export type ConsoleScriptRunSubscriptionVariables = Exact<{
  id: string;
}>;


export type ConsoleScriptRunSubscription = { scriptRun: { id: string, status: ScriptRunStatus, exitCode: number | null, output: string, error: string | null } };

export type ConsoleOverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleOverviewQuery = { sites: { totalCount: number }, localnodes: { totalCount: number }, distributors: { totalCount: number, edges: Array<{ node: { id: string, artifactId: string, name: string, online: boolean, on: boolean, events: Array<{ at: string, distributorId: string, mac: string | null, ip: string | null, kind: BootEventKind, detail: string }> } }> } };

export type ConsoleSiteNamesQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleSiteNamesQuery = { sites: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { artifactId: string } }> } };

export type ConsolePublicUrlQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsolePublicUrlQuery = { publicUrl: string };

export type ConsoleMainscriptsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleMainscriptsQuery = { items: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, text: string, updatedAt: string } }> } };

export type ConsoleSubscriptsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleSubscriptsQuery = { items: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, text: string, updatedAt: string } }> } };

export type ConsoleKickstartsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleKickstartsQuery = { items: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, text: string, updatedAt: string } }> } };

export type ConsolePrebootscriptsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsolePrebootscriptsQuery = { items: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, text: string, updatedAt: string } }> } };

export type ConsolePostbootscriptsQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsolePostbootscriptsQuery = { items: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, text: string, updatedAt: string } }> } };

export type ConsoleCreateMainscriptMutationVariables = Exact<{
  text: string;
}>;


export type ConsoleCreateMainscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleCreateSubscriptMutationVariables = Exact<{
  text: string;
}>;


export type ConsoleCreateSubscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleCreateKickstartMutationVariables = Exact<{
  text: string;
}>;


export type ConsoleCreateKickstartMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleCreatePrebootscriptMutationVariables = Exact<{
  text: string;
}>;


export type ConsoleCreatePrebootscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleCreatePostbootscriptMutationVariables = Exact<{
  text: string;
}>;


export type ConsoleCreatePostbootscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleUpdateMainscriptMutationVariables = Exact<{
  id: string;
  text: string;
}>;


export type ConsoleUpdateMainscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleUpdateSubscriptMutationVariables = Exact<{
  id: string;
  text: string;
}>;


export type ConsoleUpdateSubscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleUpdateKickstartMutationVariables = Exact<{
  id: string;
  text: string;
}>;


export type ConsoleUpdateKickstartMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleUpdatePrebootscriptMutationVariables = Exact<{
  id: string;
  text: string;
}>;


export type ConsoleUpdatePrebootscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleUpdatePostbootscriptMutationVariables = Exact<{
  id: string;
  text: string;
}>;


export type ConsoleUpdatePostbootscriptMutation = { item: { id: string, text: string, updatedAt: string } };

export type ConsoleDeleteMainscriptMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleDeleteMainscriptMutation = { item: { id: string } };

export type ConsoleDeleteSubscriptMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleDeleteSubscriptMutation = { item: { id: string } };

export type ConsoleDeleteKickstartMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleDeleteKickstartMutation = { item: { id: string } };

export type ConsoleDeletePrebootscriptMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleDeletePrebootscriptMutation = { item: { id: string } };

export type ConsoleDeletePostbootscriptMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleDeletePostbootscriptMutation = { item: { id: string } };

export type ConsoleSitesQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleSitesQuery = { sites: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { artifactId: string, openEnrollment: boolean, enrollmentToken: string, updatedAt: string } }> } };

export type ConsoleUpsertSiteMutationVariables = Exact<{
  artifactId: string;
  openEnrollment: boolean;
}>;


export type ConsoleUpsertSiteMutation = { upsertSite: { artifactId: string, openEnrollment: boolean, enrollmentToken: string, updatedAt: string } };

export type ConsoleRotateEnrollmentTokenMutationVariables = Exact<{
  artifactId: string;
}>;


export type ConsoleRotateEnrollmentTokenMutation = { rotateEnrollmentToken: { artifactId: string, openEnrollment: boolean, enrollmentToken: string, updatedAt: string } };

export type ConsoleSshKeysQueryVariables = Exact<{
  after?: string | null | undefined;
}>;


export type ConsoleSshKeysQuery = { sshkeys: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, artifactId: string, fingerprint: string, text: string, createdAt: string } }> } };

export type ConsoleAddSshKeyMutationVariables = Exact<{
  artifactId: string;
  text: string;
}>;


export type ConsoleAddSshKeyMutation = { addSshKey: { id: string, artifactId: string, fingerprint: string, text: string, createdAt: string } };

export type ConsoleDeleteSshKeyMutationVariables = Exact<{
  id: string;
}>;


export type ConsoleDeleteSshKeyMutation = { deleteSshKey: { id: string } };

export type ConsoleGenerateSshKeyPairMutationVariables = Exact<{
  algorithm: KeyAlgorithm;
}>;


export type ConsoleGenerateSshKeyPairMutation = { generateSshKeyPair: { algorithm: KeyAlgorithm, fingerprint: string, publicKey: string, privateKey: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const ConsoleBuildFragmentDoc = new TypedDocumentString(`
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}
    `, {"fragmentName":"ConsoleBuild"}) as unknown as TypedDocumentString<ConsoleBuildFragment, unknown>;
export const ConsoleBootEventFragmentDoc = new TypedDocumentString(`
    fragment ConsoleBootEvent on BootEvent {
  at
  distributorId
  mac
  ip
  kind
  detail
}
    `, {"fragmentName":"ConsoleBootEvent"}) as unknown as TypedDocumentString<ConsoleBootEventFragment, unknown>;
export const ConsoleDistributorFragmentDoc = new TypedDocumentString(`
    fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}
    `, {"fragmentName":"ConsoleDistributor"}) as unknown as TypedDocumentString<ConsoleDistributorFragment, unknown>;
export const ConsoleNodeFragmentDoc = new TypedDocumentString(`
    fragment ConsoleNode on Localnode {
  id
  ip
  artifactId
  pingable
  hostKey
  registeredAt
  lastSeenAt
}
    `, {"fragmentName":"ConsoleNode"}) as unknown as TypedDocumentString<ConsoleNodeFragment, unknown>;
export const ConsoleIpxesDocument = new TypedDocumentString(`
    query ConsoleIpxes($after: String) {
  page: ipxes(first: 50, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleBuild
      }
    }
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleIpxesQuery, ConsoleIpxesQueryVariables>;
export const ConsoleGrubsDocument = new TypedDocumentString(`
    query ConsoleGrubs($after: String) {
  page: grubs(first: 50, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleBuild
      }
    }
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleGrubsQuery, ConsoleGrubsQueryVariables>;
export const ConsoleSyslinuxsDocument = new TypedDocumentString(`
    query ConsoleSyslinuxs($after: String) {
  page: syslinuxs(first: 50, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleBuild
      }
    }
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleSyslinuxsQuery, ConsoleSyslinuxsQueryVariables>;
export const ConsoleIsosDocument = new TypedDocumentString(`
    query ConsoleIsos($after: String) {
  page: isos(first: 50, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleBuild
      }
    }
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleIsosQuery, ConsoleIsosQueryVariables>;
export const ConsoleBuildChangesDocument = new TypedDocumentString(`
    subscription ConsoleBuildChanges {
  builds {
    ...ConsoleBuild
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleBuildChangesSubscription, ConsoleBuildChangesSubscriptionVariables>;
export const ConsoleCreateIpxeDocument = new TypedDocumentString(`
    mutation ConsoleCreateIpxe($input: CreateIpxeInput!) {
  createIpxe(input: $input) {
    ...ConsoleBuild
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleCreateIpxeMutation, ConsoleCreateIpxeMutationVariables>;
export const ConsoleCreateGrubDocument = new TypedDocumentString(`
    mutation ConsoleCreateGrub($input: CreateGrubInput!) {
  createGrub(input: $input) {
    ...ConsoleBuild
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleCreateGrubMutation, ConsoleCreateGrubMutationVariables>;
export const ConsoleCreateSyslinuxDocument = new TypedDocumentString(`
    mutation ConsoleCreateSyslinux($input: CreateSyslinuxInput!) {
  createSyslinux(input: $input) {
    ...ConsoleBuild
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleCreateSyslinuxMutation, ConsoleCreateSyslinuxMutationVariables>;
export const ConsoleCreateIsoDocument = new TypedDocumentString(`
    mutation ConsoleCreateIso($input: CreateIsoInput!) {
  createIso(input: $input) {
    ...ConsoleBuild
  }
}
    fragment ConsoleBuild on Build {
  __typename
  id
  artifactId
  status
  progress
  error
  files {
    name
    url
    size
    sha256
  }
  createdAt
  ... on Ipxe {
    platform
    driver
    extension
  }
  ... on Grub {
    label
    architecture
    fragment
  }
  ... on Syslinux {
    fragment
  }
  ... on Iso {
    label
  }
}`) as unknown as TypedDocumentString<ConsoleCreateIsoMutation, ConsoleCreateIsoMutationVariables>;
export const ConsoleDistributorsDocument = new TypedDocumentString(`
    query ConsoleDistributors($after: String) {
  distributors(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleDistributor
      }
    }
  }
}
    fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}`) as unknown as TypedDocumentString<ConsoleDistributorsQuery, ConsoleDistributorsQueryVariables>;
export const ConsoleDistributorDocument = new TypedDocumentString(`
    query ConsoleDistributor($id: ID!) {
  distributor(id: $id) {
    ...ConsoleDistributor
    events(first: 200) {
      ...ConsoleBootEvent
    }
  }
}
    fragment ConsoleBootEvent on BootEvent {
  at
  distributorId
  mac
  ip
  kind
  detail
}
fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}`) as unknown as TypedDocumentString<ConsoleDistributorQuery, ConsoleDistributorQueryVariables>;
export const ConsoleCreateDistributorTokenDocument = new TypedDocumentString(`
    mutation ConsoleCreateDistributorToken($artifactId: String!, $name: String!) {
  createDistributorToken(input: {artifactId: $artifactId, name: $name}) {
    token
    distributor {
      ...ConsoleDistributor
    }
  }
}
    fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}`) as unknown as TypedDocumentString<ConsoleCreateDistributorTokenMutation, ConsoleCreateDistributorTokenMutationVariables>;
export const ConsoleUpdateDistributorDocument = new TypedDocumentString(`
    mutation ConsoleUpdateDistributor($input: UpdateDistributorInput!) {
  updateDistributor(input: $input) {
    ...ConsoleDistributor
  }
}
    fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}`) as unknown as TypedDocumentString<ConsoleUpdateDistributorMutation, ConsoleUpdateDistributorMutationVariables>;
export const ConsoleSetDistributorStatusDocument = new TypedDocumentString(`
    mutation ConsoleSetDistributorStatus($id: ID!, $on: Boolean!) {
  setDistributorStatus(input: {id: $id, on: $on}) {
    ...ConsoleDistributor
  }
}
    fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}`) as unknown as TypedDocumentString<ConsoleSetDistributorStatusMutation, ConsoleSetDistributorStatusMutationVariables>;
export const ConsoleBootEventsDocument = new TypedDocumentString(`
    subscription ConsoleBootEvents($artifactId: String!) {
  bootEvents(artifactId: $artifactId) {
    ...ConsoleBootEvent
  }
}
    fragment ConsoleBootEvent on BootEvent {
  at
  distributorId
  mac
  ip
  kind
  detail
}`) as unknown as TypedDocumentString<ConsoleBootEventsSubscription, ConsoleBootEventsSubscriptionVariables>;
export const ConsoleDistributorChangedDocument = new TypedDocumentString(`
    subscription ConsoleDistributorChanged {
  distributorChanged {
    id
    distributor {
      ...ConsoleDistributor
    }
  }
}
    fragment ConsoleDistributor on Distributor {
  id
  artifactId
  name
  online
  lastSeenAt
  on
  device
  range
  ipxeUefi
  ipxeBios
  configError
  configErrorAt
}`) as unknown as TypedDocumentString<ConsoleDistributorChangedSubscription, ConsoleDistributorChangedSubscriptionVariables>;
export const ConsoleNodesDocument = new TypedDocumentString(`
    query ConsoleNodes($artifactId: String, $after: String) {
  localnodes(artifactId: $artifactId, first: 400, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...ConsoleNode
      }
    }
  }
}
    fragment ConsoleNode on Localnode {
  id
  ip
  artifactId
  pingable
  hostKey
  registeredAt
  lastSeenAt
}`) as unknown as TypedDocumentString<ConsoleNodesQuery, ConsoleNodesQueryVariables>;
export const ConsoleNodeRegisteredDocument = new TypedDocumentString(`
    subscription ConsoleNodeRegistered {
  localnodeRegistered {
    ...ConsoleNode
  }
}
    fragment ConsoleNode on Localnode {
  id
  ip
  artifactId
  pingable
  hostKey
  registeredAt
  lastSeenAt
}`) as unknown as TypedDocumentString<ConsoleNodeRegisteredSubscription, ConsoleNodeRegisteredSubscriptionVariables>;
export const ConsolePingNodeDocument = new TypedDocumentString(`
    mutation ConsolePingNode($id: ID!) {
  pingLocalnode(input: {id: $id}) {
    ...ConsoleNode
  }
}
    fragment ConsoleNode on Localnode {
  id
  ip
  artifactId
  pingable
  hostKey
  registeredAt
  lastSeenAt
}`) as unknown as TypedDocumentString<ConsolePingNodeMutation, ConsolePingNodeMutationVariables>;
export const ConsoleResetHostKeyDocument = new TypedDocumentString(`
    mutation ConsoleResetHostKey($id: ID!) {
  resetHostKey(input: {id: $id}) {
    ...ConsoleNode
  }
}
    fragment ConsoleNode on Localnode {
  id
  ip
  artifactId
  pingable
  hostKey
  registeredAt
  lastSeenAt
}`) as unknown as TypedDocumentString<ConsoleResetHostKeyMutation, ConsoleResetHostKeyMutationVariables>;
export const ConsoleRunScriptDocument = new TypedDocumentString(`
    mutation ConsoleRunScript($input: RunScriptInput!) {
  runScript(input: $input) {
    id
    status
    exitCode
    output
    error
  }
}
    `) as unknown as TypedDocumentString<ConsoleRunScriptMutation, ConsoleRunScriptMutationVariables>;
export const ConsoleScriptRunDocument = new TypedDocumentString(`
    subscription ConsoleScriptRun($id: ID!) {
  scriptRun(id: $id) {
    id
    status
    exitCode
    output
    error
  }
}
    `) as unknown as TypedDocumentString<ConsoleScriptRunSubscription, ConsoleScriptRunSubscriptionVariables>;
export const ConsoleOverviewDocument = new TypedDocumentString(`
    query ConsoleOverview {
  sites(first: 0) {
    totalCount
  }
  localnodes(first: 0) {
    totalCount
  }
  distributors(first: 100) {
    totalCount
    edges {
      node {
        id
        artifactId
        name
        online
        on
        events(first: 5) {
          ...ConsoleBootEvent
        }
      }
    }
  }
}
    fragment ConsoleBootEvent on BootEvent {
  at
  distributorId
  mac
  ip
  kind
  detail
}`) as unknown as TypedDocumentString<ConsoleOverviewQuery, ConsoleOverviewQueryVariables>;
export const ConsoleSiteNamesDocument = new TypedDocumentString(`
    query ConsoleSiteNames($after: String) {
  sites(first: 200, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        artifactId
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleSiteNamesQuery, ConsoleSiteNamesQueryVariables>;
export const ConsolePublicUrlDocument = new TypedDocumentString(`
    query ConsolePublicUrl {
  publicUrl
}
    `) as unknown as TypedDocumentString<ConsolePublicUrlQuery, ConsolePublicUrlQueryVariables>;
export const ConsoleMainscriptsDocument = new TypedDocumentString(`
    query ConsoleMainscripts($after: String) {
  items: mainscripts(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        text
        updatedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleMainscriptsQuery, ConsoleMainscriptsQueryVariables>;
export const ConsoleSubscriptsDocument = new TypedDocumentString(`
    query ConsoleSubscripts($after: String) {
  items: subscripts(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        text
        updatedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleSubscriptsQuery, ConsoleSubscriptsQueryVariables>;
export const ConsoleKickstartsDocument = new TypedDocumentString(`
    query ConsoleKickstarts($after: String) {
  items: kickstarts(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        text
        updatedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleKickstartsQuery, ConsoleKickstartsQueryVariables>;
export const ConsolePrebootscriptsDocument = new TypedDocumentString(`
    query ConsolePrebootscripts($after: String) {
  items: prebootscripts(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        text
        updatedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsolePrebootscriptsQuery, ConsolePrebootscriptsQueryVariables>;
export const ConsolePostbootscriptsDocument = new TypedDocumentString(`
    query ConsolePostbootscripts($after: String) {
  items: postbootscripts(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        text
        updatedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsolePostbootscriptsQuery, ConsolePostbootscriptsQueryVariables>;
export const ConsoleCreateMainscriptDocument = new TypedDocumentString(`
    mutation ConsoleCreateMainscript($text: String!) {
  item: createMainscript(input: {text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateMainscriptMutation, ConsoleCreateMainscriptMutationVariables>;
export const ConsoleCreateSubscriptDocument = new TypedDocumentString(`
    mutation ConsoleCreateSubscript($text: String!) {
  item: createSubscript(input: {text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateSubscriptMutation, ConsoleCreateSubscriptMutationVariables>;
export const ConsoleCreateKickstartDocument = new TypedDocumentString(`
    mutation ConsoleCreateKickstart($text: String!) {
  item: createKickstart(input: {text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateKickstartMutation, ConsoleCreateKickstartMutationVariables>;
export const ConsoleCreatePrebootscriptDocument = new TypedDocumentString(`
    mutation ConsoleCreatePrebootscript($text: String!) {
  item: createPrebootscript(input: {text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreatePrebootscriptMutation, ConsoleCreatePrebootscriptMutationVariables>;
export const ConsoleCreatePostbootscriptDocument = new TypedDocumentString(`
    mutation ConsoleCreatePostbootscript($text: String!) {
  item: createPostbootscript(input: {text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreatePostbootscriptMutation, ConsoleCreatePostbootscriptMutationVariables>;
export const ConsoleUpdateMainscriptDocument = new TypedDocumentString(`
    mutation ConsoleUpdateMainscript($id: ID!, $text: String!) {
  item: updateMainscript(input: {id: $id, text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdateMainscriptMutation, ConsoleUpdateMainscriptMutationVariables>;
export const ConsoleUpdateSubscriptDocument = new TypedDocumentString(`
    mutation ConsoleUpdateSubscript($id: ID!, $text: String!) {
  item: updateSubscript(input: {id: $id, text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdateSubscriptMutation, ConsoleUpdateSubscriptMutationVariables>;
export const ConsoleUpdateKickstartDocument = new TypedDocumentString(`
    mutation ConsoleUpdateKickstart($id: ID!, $text: String!) {
  item: updateKickstart(input: {id: $id, text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdateKickstartMutation, ConsoleUpdateKickstartMutationVariables>;
export const ConsoleUpdatePrebootscriptDocument = new TypedDocumentString(`
    mutation ConsoleUpdatePrebootscript($id: ID!, $text: String!) {
  item: updatePrebootscript(input: {id: $id, text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdatePrebootscriptMutation, ConsoleUpdatePrebootscriptMutationVariables>;
export const ConsoleUpdatePostbootscriptDocument = new TypedDocumentString(`
    mutation ConsoleUpdatePostbootscript($id: ID!, $text: String!) {
  item: updatePostbootscript(input: {id: $id, text: $text}) {
    id
    text
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdatePostbootscriptMutation, ConsoleUpdatePostbootscriptMutationVariables>;
export const ConsoleDeleteMainscriptDocument = new TypedDocumentString(`
    mutation ConsoleDeleteMainscript($id: ID!) {
  item: deleteMainscript(input: {id: $id}) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeleteMainscriptMutation, ConsoleDeleteMainscriptMutationVariables>;
export const ConsoleDeleteSubscriptDocument = new TypedDocumentString(`
    mutation ConsoleDeleteSubscript($id: ID!) {
  item: deleteSubscript(input: {id: $id}) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeleteSubscriptMutation, ConsoleDeleteSubscriptMutationVariables>;
export const ConsoleDeleteKickstartDocument = new TypedDocumentString(`
    mutation ConsoleDeleteKickstart($id: ID!) {
  item: deleteKickstart(input: {id: $id}) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeleteKickstartMutation, ConsoleDeleteKickstartMutationVariables>;
export const ConsoleDeletePrebootscriptDocument = new TypedDocumentString(`
    mutation ConsoleDeletePrebootscript($id: ID!) {
  item: deletePrebootscript(input: {id: $id}) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeletePrebootscriptMutation, ConsoleDeletePrebootscriptMutationVariables>;
export const ConsoleDeletePostbootscriptDocument = new TypedDocumentString(`
    mutation ConsoleDeletePostbootscript($id: ID!) {
  item: deletePostbootscript(input: {id: $id}) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeletePostbootscriptMutation, ConsoleDeletePostbootscriptMutationVariables>;
export const ConsoleSitesDocument = new TypedDocumentString(`
    query ConsoleSites($after: String) {
  sites(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        artifactId
        openEnrollment
        enrollmentToken
        updatedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleSitesQuery, ConsoleSitesQueryVariables>;
export const ConsoleUpsertSiteDocument = new TypedDocumentString(`
    mutation ConsoleUpsertSite($artifactId: String!, $openEnrollment: Boolean!) {
  upsertSite(input: {artifactId: $artifactId, openEnrollment: $openEnrollment}) {
    artifactId
    openEnrollment
    enrollmentToken
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpsertSiteMutation, ConsoleUpsertSiteMutationVariables>;
export const ConsoleRotateEnrollmentTokenDocument = new TypedDocumentString(`
    mutation ConsoleRotateEnrollmentToken($artifactId: String!) {
  rotateEnrollmentToken(input: {artifactId: $artifactId}) {
    artifactId
    openEnrollment
    enrollmentToken
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleRotateEnrollmentTokenMutation, ConsoleRotateEnrollmentTokenMutationVariables>;
export const ConsoleSshKeysDocument = new TypedDocumentString(`
    query ConsoleSshKeys($after: String) {
  sshkeys(first: 200, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        artifactId
        fingerprint
        text
        createdAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleSshKeysQuery, ConsoleSshKeysQueryVariables>;
export const ConsoleAddSshKeyDocument = new TypedDocumentString(`
    mutation ConsoleAddSshKey($artifactId: String!, $text: String!) {
  addSshKey(input: {artifactId: $artifactId, text: $text}) {
    id
    artifactId
    fingerprint
    text
    createdAt
  }
}
    `) as unknown as TypedDocumentString<ConsoleAddSshKeyMutation, ConsoleAddSshKeyMutationVariables>;
export const ConsoleDeleteSshKeyDocument = new TypedDocumentString(`
    mutation ConsoleDeleteSshKey($id: ID!) {
  deleteSshKey(input: {id: $id}) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeleteSshKeyMutation, ConsoleDeleteSshKeyMutationVariables>;
export const ConsoleGenerateSshKeyPairDocument = new TypedDocumentString(`
    mutation ConsoleGenerateSshKeyPair($algorithm: KeyAlgorithm!) {
  generateSshKeyPair(input: {algorithm: $algorithm}) {
    algorithm
    fingerprint
    publicKey
    privateKey
  }
}
    `) as unknown as TypedDocumentString<ConsoleGenerateSshKeyPairMutation, ConsoleGenerateSshKeyPairMutationVariables>;