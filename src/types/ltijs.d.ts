// ltijs ships no types; this declares only the surface microcred uses.
declare module 'ltijs' {
  import type { Express, NextFunction, Request, Response } from 'express';
  interface LtiPlatform {
    platformId(): Promise<string>;
    platformActive(active?: boolean): Promise<boolean>;
    platformUrl(): Promise<string>;
    platformClientId(): Promise<string>;
  }
  interface Provider {
    app: Express;
    Database: { setup(): Promise<boolean>; Close(): Promise<boolean> };
    DynamicRegistration?: { register(openidConfiguration: string, registrationToken?: string, options?: unknown): Promise<string> };
    Grade: unknown;
    NamesAndRoles: unknown;
    DeepLinking: unknown;
    setup(encryptionKey: string, database: { plugin: unknown }, options: Record<string, unknown>): Provider;
    onConnect(cb: (token: LtiToken, req: Request, res: Response, next: NextFunction) => unknown): void;
    onDeepLinking(cb: (token: LtiToken, req: Request, res: Response, next: NextFunction) => unknown): void;
    onInvalidToken(cb: (req: Request, res: Response, next: NextFunction) => unknown): void;
    onSessionTimeout(cb: (req: Request, res: Response, next: NextFunction) => unknown): void;
    onUnregisteredPlatform(cb: (req: Request, res: Response) => unknown): void;
    onInactivePlatform(cb: (req: Request, res: Response) => unknown): void;
    onDynamicRegistration(cb: (req: Request, res: Response, next: NextFunction) => unknown): void;
    registerPlatform(p: Record<string, unknown>): Promise<LtiPlatform>;
    getPlatform(url: string, clientId?: string): Promise<LtiPlatform | false>;
    deletePlatform(url: string, clientId: string): Promise<boolean>;
    close(options?: { silent?: boolean }): Promise<boolean>;
  }
  export interface LtiToken {
    iss: string;
    user: string;
    userInfo: { given_name?: string; family_name?: string; name?: string; email?: string };
    platformInfo?: { product_family_code?: string; name?: string };
    clientId: string;
    platformId: string;
    deploymentId: string;
    platformContext: {
      context?: { id: string; label?: string; title?: string };
      resource?: { id: string; title?: string };
      messageType: string;
      roles?: string[];
      custom?: Record<string, string>;
      launchPresentation?: { locale?: string; document_target?: string; return_url?: string };
      endpoint?: Record<string, unknown>;
      namesRoles?: Record<string, unknown>;
      deepLinkingSettings?: Record<string, unknown>;
      targetLinkUri?: string;
    };
  }
  export const Provider: Provider;
}
declare module 'ltijs-sequelize';
