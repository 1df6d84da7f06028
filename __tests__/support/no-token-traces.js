// jest.config.js maps cdktf's and constructs' stack-trace module here, for `npm test` and
// `npm run mutation`: the call stack cdktf records for every token (and constructs for every
// metadata entry) is shown only when a token fails to resolve, and under jest, whose source maps
// make each capture slow, recording it is most of the time it takes to build an integration.
// Nothing a test asserts reads it. __tests__/token-traces.test.ts checks that this is the only
// module the mapping replaces and that it stands where cdktf and constructs require it.
exports.captureStackTrace = () => [];
