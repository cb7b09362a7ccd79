import { agentSuite } from "../../helpers/agent-suite.js";

agentSuite("codex");
