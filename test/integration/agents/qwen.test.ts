import { agentSuite } from "../../helpers/agent-suite.js";

agentSuite("qwen");
