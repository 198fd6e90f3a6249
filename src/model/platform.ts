export const platforms = ['ios', 'android', 'harmony', 'web', 'desktop', 'miniprogram'] as const;
export type Platform = (typeof platforms)[number];

/** The session policy counts sessions per class, not per platform (ARCHITECTURE.md "Sessions"). */
export type PlatformClass = 'mobile' | 'web' | 'desktop' | 'miniprogram';

export function platformClass(platform: Platform): PlatformClass {
  switch (platform) {
    case 'ios':
    case 'android':
    case 'harmony':
      return 'mobile';
    default:
      return platform;
  }
}
