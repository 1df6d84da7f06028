import { Testing } from "cdktf";
// The matchers' types (toHaveResource, toHaveResourceWithProperties, …) for expect().
import "cdktf/lib/testing/adapters/jest";

// Adds cdktf's matchers to expect.
Testing.setupJest();
