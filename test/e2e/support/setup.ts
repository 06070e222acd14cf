// e2e suites start real clusters and kill processes: give each test room (never a timing assertion).
jest.setTimeout(120000);
