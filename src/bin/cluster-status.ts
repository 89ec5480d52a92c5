/** Text rendering of `tabula cluster status`: one line per server, then one per tablet. */
import type { ClusterStatus } from '../rpc/master-service.js';

function rowKey(b: Buffer): string {
  if (!b.length) return '';
  return /^[\x20-\x7e]*$/.test(b.toString('latin1')) ? b.toString('latin1') : `0x${b.toString('hex')}`;
}

export function clusterStatusText(s: ClusterStatus): string {
  const lines = [`servers (${s.servers.length}):`];
  for (const v of s.servers) {
    lines.push(`  ${v.serverId}  ${v.address || '-'}  ${v.live ? 'live' : 'dead'}  tablets=${v.tabletCount}  bytes=${v.bytes}  sstables=${v.sstables}`);
  }
  lines.push(`tablets (${s.tablets.length}):`);
  for (const t of s.tablets) {
    lines.push(`  ${t.id}  ${t.table}  [${rowKey(t.startRow) || '<start>'}, ${rowKey(t.endRow) || '<end>'})  bytes=${t.bytes}  sstables=${t.sstables}  owner=${t.server || '-'}  epoch=${t.epoch}  ${t.state}`);
  }
  return lines.join('\n') + '\n';
}
