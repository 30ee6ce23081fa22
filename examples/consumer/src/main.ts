import { runSynthCli } from 'onprem-k8s-constructs';
import { buildApp } from './app';

// The library's safe synth: checks, schema validation, destructive-change guard, atomic write to dist/.
runSynthCli(() => buildApp());
