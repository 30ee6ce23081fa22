import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NodePortApp, NodePortAppProps } from 'onprem-k8s-constructs';

/** A NodePortApp whose log files a sidecar ships: the props are the library's, plus two of ours. */
export interface LoggedNodePortAppProps extends NodePortAppProps {
  /** Folder the app writes its log files to; shared with the shipper. @default "/var/log/app" */
  readonly logPath?: string;
  /** Log shipper image. @default "fluent/fluent-bit:3.1.9" */
  readonly shipperImage?: string;
}

/**
 * Our team's web app: everything NodePortApp does (secure pods, NodePort Service, PDB, checks), plus a
 * fluent-bit sidecar that reads the app's log folder. Nothing of NodePortApp is copied.
 */
export class LoggedNodePortApp extends NodePortApp {
  /** The log shipper container. */
  public readonly shipper: kplus.Container;

  constructor(scope: Construct, id: string, props: LoggedNodePortAppProps) {
    super(scope, id, props);
    const logPath = props.logPath ?? '/var/log/app';
    const logs = kplus.Volume.fromEmptyDir(this, 'logs', 'logs');
    this.container.mount(logPath, logs);
    this.shipper = this.addSidecar('log-shipper', {
      image: props.shipperImage ?? 'fluent/fluent-bit:3.1.9',
      containerPort: 2020,
      readiness: { httpPath: '/api/v1/health' },
      resources: { cpuRequest: '20m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
    });
    this.shipper.mount(logPath, logs, { readOnly: true });
  }
}
