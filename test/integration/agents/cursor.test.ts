import { agentSuite } from "../../helpers/agent-suite.js";

agentSuite("cursor");
