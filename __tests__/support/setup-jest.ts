import { Testing } from "cdktf";

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, …) to expect.
Testing.setupJest();
// The matchers' types, for template-style tests.
import "cdktf/lib/testing/adapters/jest";
