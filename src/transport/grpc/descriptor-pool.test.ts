import { describe, expect, test } from "bun:test";
import protobuf from "protobufjs";
import { FileDescriptorProto, FileDescriptorSet } from "protobufjs/ext/descriptor";
import { DescriptorPool } from "./descriptor-pool.ts";
import { answer, REFLECTION_SERVICES } from "./reflection.ts";
import { GrpcStatus } from "./status.ts";

const pool = await DescriptorPool.load();

function decodeFile(bytes: Uint8Array): Record<string, unknown> {
  return FileDescriptorProto.toObject(FileDescriptorProto.decode(bytes), { defaults: false });
}

describe("DescriptorPool", () => {
  test("finds files by name and by any service, method, message or enum they define", () => {
    const raftoral = pool.fileByName("raftoral.proto");
    expect(raftoral).toBeDefined();
    for (const symbol of [
      "raftoral.RaftService",
      "raftoral.RaftService.Discover",
      "raftoral.WorkflowManagement.RunWorkflowSync",
      "raftoral.GenericMessage",
      ".raftoral.DiscoveryResponse",
    ]) {
      expect(pool.fileContainingSymbol(symbol)).toBe(raftoral);
    }
    expect(
      pool.fileContainingSymbol("grpc.health.v1.HealthCheckResponse.ServingStatus")?.name,
    ).toBe("grpc/health/v1/health.proto");
    for (const service of REFLECTION_SERVICES) {
      expect(pool.fileContainingSymbol(service)).toBeDefined();
    }
    expect(pool.fileContainingSymbol("raftoral.Nope")).toBeUndefined();
  });

  test("finds files by a field, a oneof or an enum value, as protoc's pools do", () => {
    const raftoral = pool.fileByName("raftoral.proto");
    for (const symbol of [
      "raftoral.GenericMessage.cluster_id",
      "raftoral.GenericMessage.message",
      "raftoral.DiscoveryResponse.max_voters",
    ]) {
      expect(pool.fileContainingSymbol(symbol)).toBe(raftoral);
    }
    // SERVING is declared beside the enum ServingStatus, in HealthCheckResponse's scope.
    expect(pool.fileContainingSymbol("grpc.health.v1.HealthCheckResponse.SERVING")?.name).toBe(
      "grpc/health/v1/health.proto",
    );
    expect(
      pool.fileContainingSymbol("grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING"),
    ).toBeUndefined();
    expect(pool.fileContainingSymbol("raftoral.GenericMessage.nope")).toBeUndefined();
  });

  test("descriptors carry snake_case names, json names, qualified types and oneofs", () => {
    const file = decodeFile(pool.fileByName("raftoral.proto")?.bytes ?? new Uint8Array());
    expect(file.package).toBe("raftoral");
    expect(file.syntax).toBe("proto3");
    const messages = file.messageType as { name: string; field: Record<string, unknown>[] }[];
    const generic = messages.find((message) => message.name === "GenericMessage");
    expect(generic?.field[0]).toEqual({
      name: "cluster_id",
      number: 7,
      label: 1,
      type: 13,
      jsonName: "clusterId",
    });
    expect(generic?.field[1]).toMatchObject({
      name: "propose",
      type: 11,
      typeName: ".raftoral.ProposeMessage",
      oneofIndex: 0,
    });
    const services = file.service as { name: string; method: Record<string, unknown>[] }[];
    expect(services.map((service) => service.name)).toEqual(["RaftService", "WorkflowManagement"]);
    expect(services[0]?.method[1]).toEqual({
      name: "Discover",
      inputType: ".raftoral.DiscoveryRequest",
      outputType: ".raftoral.DiscoveryResponse",
    });
  });

  test("a root rebuilt from the descriptors encodes exactly like the .proto", () => {
    const set = FileDescriptorSet.create({
      file: [
        FileDescriptorProto.decode(pool.fileByName("raftoral.proto")?.bytes ?? new Uint8Array()),
      ],
    });
    const rebuilt = protobuf.Root.fromDescriptor(FileDescriptorSet.encode(set).finish());
    const type = rebuilt.lookupType("raftoral.DiscoveryResponse");
    const bytes = type
      .encode(type.fromObject({ nodeId: 3, address: "h:1", maxVoters: 5 }))
      .finish();
    expect(type.toObject(type.decode(bytes), { longs: Number })).toMatchObject({
      address: "h:1",
      maxVoters: 5,
    });
    expect([...bytes]).toEqual([8, 3, 26, 3, 104, 58, 49, 64, 5]);
  });
});

describe("reflection answers", () => {
  const server = { serviceNames: () => ["grpc.health.v1.Health", "raftoral.RaftService"] };

  test("list_services lists what the server registered", () => {
    expect(answer({ host: "", listServices: "*" }, pool, server).listServicesResponse).toEqual({
      service: [{ name: "grpc.health.v1.Health" }, { name: "raftoral.RaftService" }],
    });
  });

  test("file_containing_symbol and file_by_filename return serialized files", () => {
    const bySymbol = answer(
      { host: "h", fileContainingSymbol: "raftoral.RaftService" },
      pool,
      server,
    );
    expect(bySymbol.validHost).toBe("h");
    expect(bySymbol.fileDescriptorResponse?.fileDescriptorProto).toHaveLength(1);
    const byName = answer(
      { host: "", fileByFilename: "grpc/health/v1/health.proto" },
      pool,
      server,
    );
    const bytes = byName.fileDescriptorResponse?.fileDescriptorProto[0] ?? new Uint8Array();
    expect(decodeFile(bytes).package).toBe("grpc.health.v1");
  });

  test("unknown names and extensions get NOT_FOUND; an empty request INVALID_ARGUMENT", () => {
    const code = (request: Parameters<typeof answer>[0]) =>
      answer(request, pool, server).errorResponse?.errorCode;
    expect(code({ host: "", fileContainingSymbol: "x.Y" })).toBe(GrpcStatus.NOT_FOUND);
    expect(code({ host: "", fileByFilename: "x.proto" })).toBe(GrpcStatus.NOT_FOUND);
    expect(
      code({
        host: "",
        fileContainingExtension: { containingType: "raftoral.GenericMessage", extensionNumber: 9 },
      }),
    ).toBe(GrpcStatus.NOT_FOUND);
    expect(code({ host: "", allExtensionNumbersOfType: "x.Y" })).toBe(GrpcStatus.NOT_FOUND);
    expect(code({ host: "" })).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(
      answer({ host: "", allExtensionNumbersOfType: "raftoral.GenericMessage" }, pool, server)
        .allExtensionNumbersResponse,
    ).toEqual({ baseTypeName: "raftoral.GenericMessage", extensionNumber: [] });
  });
});
