// The cdk8s app of this repository (cdk8s.yaml): `npx cdk8s synth` renders the examples into dist/.
import { App } from 'cdk8s';
import { addExamples } from './app';

const app = new App();
addExamples(app);
app.synth();
