// Just what the benchmark uses of two packages that ship no types (no @types packages are installed).
declare module 'better-sqlite3' {
  namespace Database {
    interface Statement {
      reader: boolean;
      all(...params: unknown[]): unknown[];
      run(...params: unknown[]): { changes: number };
    }
  }
  interface Database {
    prepare(sql: string): Database.Statement;
    pragma(source: string): unknown;
    transaction<T extends (...args: never[]) => unknown>(fn: T): T;
    close(): void;
  }
  const Database: { new (path: string, options?: { timeout?: number; readonly?: boolean; fileMustExist?: boolean }): Database; prototype: Database };
  export default Database;
}

declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      average: number;
      p50: number;
      p99: number;
      total: number;
    }
    interface Result {
      requests: Histogram;
      latency: Histogram;
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
    }
    interface Options {
      url: string;
      method?: string;
      connections?: number;
      duration?: number;
      timeout?: number;
      headers?: Record<string, string>;
      body?: string;
    }
  }
  function autocannon(options: autocannon.Options, callback: (error: Error | null, result: autocannon.Result) => void): unknown;
  export default autocannon;
}
