/** `text` without the SDK's notice that it will soon need node 22: true of this machine's node, noise in a report. */
export function withoutSdkNodeNotice(text: string): string {
  return text.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?--trace-warnings[^\n]*\n?/g, '');
}
