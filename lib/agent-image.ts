/**
 * Where the failover agent's code comes from. By default an official Node.js LTS image runs the agent
 * bundle from the `<name>-agent` ConfigMap, so the rendered YAML needs no image of this project's; a
 * prebuilt image (built from agent/Dockerfile) carries the bundle itself, for clusters whose policy keeps
 * code out of ConfigMaps or that mirror every image they run.
 */
export class AgentImage {
  /** `node:24-alpine`, the official Node.js LTS image, running the bundle from the ConfigMap. */
  public static readonly NODE_LTS = AgentImage.nodeRuntime('node:24-alpine');

  /** A Node.js (20 or later) image that runs `node /opt/pgha/agent.js` from the `<name>-agent` ConfigMap. */
  public static nodeRuntime(image: string): AgentImage {
    return new AgentImage(image, false);
  }

  /**
   * An image with the agent bundle at `/opt/pgha/agent.js` (agent/Dockerfile); no ConfigMap is rendered
   * for it. Build it from the same release of this library, since the bundle and the rendered pods
   * share a contract (environment, files, ports).
   */
  public static prebuilt(image: string): AgentImage {
    return new AgentImage(image, true);
  }

  private constructor(
    /** The image reference. */
    public readonly image: string,
    /** Whether the image carries the agent bundle (no `<name>-agent` ConfigMap). */
    public readonly bundleInImage: boolean,
  ) {}
}
