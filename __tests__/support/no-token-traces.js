// For `npm run mutation` only (jest.stryker.config.js maps cdktf's and constructs' stack-trace
// module here): the call stack cdktf records for every token is shown only when a token fails to
// resolve, and under jest, whose source maps make each capture slow, recording it is most of the
// time it takes to build an integration. Without it a mutant's tests run about four times faster;
// nothing a test asserts reads it. `npm test` keeps cdktf's own module.
exports.captureStackTrace = () => [];
