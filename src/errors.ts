// The one error hierarchy. Anything thrown that is an AppError becomes a page (or JSON)
// with its status and a message meant for people; anything else is a 500 with no details.
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Stable machine-readable code, also written to the log. */
    readonly code: string,
    /** What the person can do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(message: string, code = 'BAD_REQUEST', hint?: string) {
    super(message, 400, code, hint);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message: string, code = 'UNAUTHORIZED', hint?: string) {
    super(message, 401, code, hint);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You do not have access to this page.', code = 'FORBIDDEN', hint?: string) {
    super(message, 403, code, hint);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'This page does not exist.', code = 'NOT_FOUND', hint?: string) {
    super(message, 404, code, hint);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'CONFLICT', hint?: string) {
    super(message, 409, code, hint);
  }
}

/** A rejected LTI launch: always a 4xx, always logged with its reason code. */
export class LaunchRejectedError extends AppError {
  constructor(code: string, message: string, status = 401, hint?: string) {
    super(
      message,
      status,
      code,
      hint ?? 'Go back to your course in the LMS and open the tool again. If it keeps happening, give your LMS administrator the reason code above.',
    );
  }
}
