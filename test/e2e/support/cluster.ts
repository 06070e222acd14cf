export { ADMIN, ADMIN_TOKEN, LocalCluster as TestCluster, eventually, type ClusterSpec, type HttpReply } from '../../../tools/launcher/local-cluster';
