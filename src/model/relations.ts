/** The kinds of relation one user keeps toward others (blocklist, allowlist, friends). */
export type RelationKind = 'block' | 'allow' | 'friend';
